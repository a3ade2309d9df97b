"""The query log (查询记录) for auditors: list and export (R6); revealing a masked value (recorded
there) and the company's masking policy."""
from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.accounts import roles
from dangan.api.archives.customers import page_of, visible_customer
from dangan.api.archives.serializers import READ, error_responses
from dangan.governance import selectors
from dangan.governance.models import AccessRecord, MaskingPolicy
from dangan.governance.services.access import access_log_export, sensitive_value_reveal
from dangan.governance.services.masking import masking_policy_update

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AccessAction = AccessRecord.Action  # SPECTACULAR_SETTINGS may name the enum after this


class AccessRecordOutput(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", allow_null=True)

    class Meta:
        model = AccessRecord
        fields = ["id", "at", "user", "user_name", "user_email", "roles", "via_api_key", "action", "object_type",
                  "object_id", "customer_ids", "query", "result_count", "reason", "ip"]


class AccessLogFilter(serializers.Serializer):
    user = serializers.IntegerField(required=False, min_value=1)
    action = serializers.ChoiceField(choices=AccessRecord.Action.choices, required=False)
    customer = serializers.IntegerField(required=False, min_value=1, help_text="records naming this file")
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class AccessLogPagination(CursorPagination):
    ordering = ("-at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _filters(request) -> dict:
    data = AccessLogFilter(data=request.query_params)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class AccessLogListApi(APIView):
    @extend_schema(parameters=[AccessLogFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(AccessRecordOutput, "AccessRecordPage"), **error_responses(*READ)},
                   operation_id="access_log_list", description="Who viewed, searched, exported, downloaded or "
                   "revealed customer data, when, what and why; newest first (auditors).")
    def get(self, request):
        records = selectors.access_log(user=request.user, filters=_filters(request))
        paginator = AccessLogPagination()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(AccessRecordOutput(page, many=True).data)


class AccessLogExportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The file is not a DRF rendering; errors still answer in the one JSON shape.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[AccessLogFilter],
                   responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="the records, oldest first"),
                              **error_responses(400)},
                   operation_id="access_log_export", description="The query log as .xlsx (auditors); the export "
                   "is itself recorded.")
    def get(self, request):
        spool, _ = access_log_export(actor=request.user, filters=_filters(request))
        return FileResponse(spool, as_attachment=True, filename=f"查询记录-{timezone.localdate():%Y%m%d}.xlsx",
                            content_type=XLSX)


# --- sensitive values: reveal one, and the company's masking policy ------------------------------

class RevealInput(serializers.Serializer):
    field = serializers.CharField(max_length=120, help_text="contacts.<n>.phone, custom_fields.<key> or "
                                  "ledger.<entry id>.buyer_contact — as the file's output names them")
    reason = serializers.CharField(max_length=2000, help_text="why the clear value is needed (kept in the query log)")


class RevealOutput(serializers.Serializer):
    field = serializers.CharField(source="path")
    label = serializers.CharField()
    value = serializers.CharField()


class CustomerRevealApi(APIView):
    @extend_schema(request=RevealInput, responses={200: RevealOutput, **error_responses(400, 404)},
                   operation_id="customer_reveal", description="The clear value of one masked field of a file. "
                   "Only roles of the company's masking policy (403 reveal_not_allowed otherwise), always with a "
                   "reason; recorded in the query log as a reveal.")
    def post(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = RevealInput(data=request.data)
        data.is_valid(raise_exception=True)
        revealed = sensitive_value_reveal(actor=request.user, customer=customer, request=request,
                                          **data.validated_data)
        response = Response(RevealOutput(revealed).data)
        response["Cache-Control"] = "no-store"
        return response


class MaskingPolicyOutput(serializers.Serializer):
    clear_roles = serializers.ListField(child=serializers.CharField(), help_text="see sensitive values in clear")
    owner_sees_clear = serializers.BooleanField(help_text="the file's own salesperson sees them in clear")
    reveal_roles = serializers.ListField(child=serializers.CharField(),
                                        help_text="may reveal one value at a time, with a reason")
    role_catalogue = serializers.SerializerMethodField()

    def get_role_catalogue(self, policy) -> list[str]:
        return list(roles.ALL_ROLES)


class MaskingPolicyInput(serializers.Serializer):
    clear_roles = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)
    owner_sees_clear = serializers.BooleanField(required=False)
    reveal_roles = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)


class MaskingPolicyApi(APIView):
    @extend_schema(responses={200: MaskingPolicyOutput, **error_responses()}, operation_id="masking_policy_detail",
                   description="Who sees ID numbers, phones and bank accounts in clear, and who may reveal them.")
    def get(self, request):
        return Response(MaskingPolicyOutput(MaskingPolicy.load()).data)

    @extend_schema(request=MaskingPolicyInput, responses={200: MaskingPolicyOutput, **error_responses(400)},
                   operation_id="masking_policy_update", description="Tenant administrators only; roles must "
                   "exist (400 masking_role_unknown).")
    def put(self, request):
        data = MaskingPolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = masking_policy_update(actor=request.user, **data.validated_data)
        return Response(MaskingPolicyOutput(policy).data)
