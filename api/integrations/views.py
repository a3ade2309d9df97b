"""API keys of a company: list, create, show, revoke (company administrators only).

These endpoints are also the first users of the API infrastructure every later endpoint
shares: idempotent writes (create, revoke), ETags and If-Match (show, revoke), cursor
pagination and filtering (list).
"""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import (OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer,
                                   inline_serializer)
from rest_framework import permissions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.integrations import openapi, selectors, services
from dangan.integrations.concurrency import ConditionalMixin
from dangan.integrations.idempotency import IdempotentMixin
from dangan.integrations.models import ApiKey
from dangan.api.writable import RejectProtectedFields
from dangan.integrations.permissions import ApiKeyScopePermission, IsTenantAdmin, NotViaApiKey

_ADMIN_ONLY = [permissions.IsAuthenticated, ApiKeyScopePermission, IsTenantAdmin, RejectProtectedFields]


class ApiKeyOutput(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email")
    status = serializers.ChoiceField(choices=ApiKey.Status.choices)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices))

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "status", "created_by", "created_at", "last_used_at",
                  "expires_at", "revoked_at", "version"]


class ApiKeyListApi(APIView):
    """The company's API keys, newest first (secrets are never shown again)."""

    permission_classes = _ADMIN_ONLY

    class Pagination(CursorPagination):
        ordering = "-created_at"

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ApiKey.Status.choices, required=False)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ApiKey.Status.values, required=False),
                    OpenApiParameter("cursor", str, required=False)],
        responses={200: inline_serializer("ApiKeyPage", {
            "next": serializers.URLField(allow_null=True), "previous": serializers.URLField(allow_null=True),
            "results": ApiKeyOutput(many=True)})},
        operation_id="api_key_list")
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.Pagination()
        page = paginator.paginate_queryset(selectors.api_key_list(filters=filters.validated_data), request, view=self)
        return paginator.get_paginated_response(ApiKeyOutput(page, many=True).data)


class ApiKeyCreateApi(IdempotentMixin, APIView):
    """Create an API key. The response carries the full key once; store it safely."""

    # A key cannot mint keys (NotViaApiKey): creation needs a signed-in administrator.
    permission_classes = [*_ADMIN_ONLY, NotViaApiKey]
    # The plaintext key is shown once; a replayed creation returns the key's record without it.
    idempotency_redacted_fields = ("key",)

    @extend_schema_serializer(component_name="ApiKeyCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices),
                                       allow_empty=False, help_text="write implies read")
        expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema_serializer(component_name="ApiKeyCreated")
    class OutputSerializer(ApiKeyOutput):
        key = serializers.CharField(
            allow_null=True, help_text="The full key, shown only in this response (null in an idempotent replay). "
            "Send it as `Authorization: Api-Key <key>` or `X-API-Key: <key>`.")

        class Meta(ApiKeyOutput.Meta):
            fields = [*ApiKeyOutput.Meta.fields, "key"]

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, parameters=[openapi.IDEMPOTENCY_KEY],
                   operation_id="api_key_create")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        api_key, plaintext = services.api_key_create(actor=request.user, **data.validated_data)
        api_key.key = plaintext
        return Response(self.OutputSerializer(api_key).data, status=status.HTTP_201_CREATED)


class _ApiKeyDetail(ConditionalMixin, APIView):
    """An API key of the company."""

    permission_classes = _ADMIN_ONLY

    def get_etag_object(self, request, *args, **kwargs) -> ApiKey:
        api_key = selectors.api_key_get(pk=kwargs["pk"])
        if api_key is None:
            raise Http404
        return api_key


class ApiKeyDetailApi(_ApiKeyDetail):
    """One API key, with an `ETag` for conditional requests."""

    @extend_schema(responses={200: ApiKeyOutput, 304: OpenApiResponse(description="Not modified (If-None-Match)")},
                   parameters=[openapi.IF_NONE_MATCH], operation_id="api_key_detail")
    def get(self, request, pk: int):
        return Response(ApiKeyOutput(self.etag_instance).data)


class ApiKeyRevokeApi(IdempotentMixin, _ApiKeyDetail):
    """Revoke an API key for good: requests with it are refused from now on."""

    @extend_schema(request=None, responses={200: ApiKeyOutput, 412: OpenApiResponse(description="precondition_failed")},
                   parameters=[openapi.IDEMPOTENCY_KEY, openapi.IF_MATCH], operation_id="api_key_revoke")
    def post(self, request, pk: int):
        api_key = services.api_key_revoke(actor=request.user, api_key=self.etag_instance,
                                          expected_version=self.expected_version)
        return Response(ApiKeyOutput(api_key).data)
