"""Confidentiality (密级) over REST: the level catalogue and policy (administrators), levels of
files and documents (custodians, administrators), users' clearances, access requests (查阅申请)
and their decisions, access grants, the register of classified files, and watermarked page
images — the only way a classified document is read. Rules live in
governance/services/confidentiality.py and governance/selectors.py."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.api.archives.serializers import READ, WRITE, UserRef, error_responses
from dangan.archives.selectors import customers_in_scope
from dangan.governance import selectors
from dangan.governance.models import AccessGrant, AccessRequest, ConfidentialityLevel
from dangan.governance.services import confidentiality as service
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin

# Named for SPECTACULAR_SETTINGS: distinct enum names for distinct choice sets.
AccessRequestState = AccessRequest.State
AccessGrantSource = AccessGrant.Source
JPEG = "image/jpeg"


class LevelOutput(serializers.ModelSerializer):
    class Meta:
        model = ConfidentialityLevel
        fields = ["id", "code", "name", "rank", "requires_approval", "description"]


class LevelCreateInput(serializers.Serializer):
    code = serializers.SlugField(max_length=30)
    name = serializers.CharField(max_length=30)
    rank = serializers.IntegerField(min_value=0, max_value=1000)
    requires_approval = serializers.BooleanField(required=False, default=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LevelUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=30, required=False)
    rank = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    requires_approval = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PolicyOutput(serializers.Serializer):
    approver_roles = serializers.ListField(child=serializers.CharField())
    max_grant_days = serializers.IntegerField()


class PolicyInput(serializers.Serializer):
    approver_roles = serializers.ListField(child=serializers.CharField(max_length=150), required=False,
                                           max_length=20)
    max_grant_days = serializers.IntegerField(required=False, min_value=1, max_value=366)


class LevelSetInput(serializers.Serializer):
    level = serializers.CharField(max_length=30, allow_blank=True, allow_null=True,
                                  help_text="level code (or id); empty or null: unclassified")
    reason = serializers.CharField(max_length=2000)


class CustomerLevelOutput(serializers.Serializer):
    customer = serializers.IntegerField(source="pk")
    archive_number = serializers.CharField()
    level = LevelOutput(source="confidentiality", allow_null=True)


class DocumentLevelOutput(serializers.Serializer):
    document = serializers.IntegerField(source="pk")
    customer = serializers.IntegerField(source="customer_id")
    level = LevelOutput(source="confidentiality", allow_null=True)


class ClearanceOutput(serializers.Serializer):
    user = serializers.IntegerField(source="pk")
    clearance = serializers.CharField(allow_blank=True, help_text="level code; empty: none")


class ClassifiedFileOutput(serializers.Serializer):
    """Existence only: the content stays behind the viewing rule."""

    customer = serializers.IntegerField(source="pk")
    archive_number = serializers.CharField()
    level = LevelOutput(source="confidentiality")
    department = serializers.CharField(source="department.name", allow_null=True, default=None)


class GrantOutput(serializers.ModelSerializer):
    user = UserRef()
    source = serializers.ChoiceField(choices=AccessGrant.Source.choices)
    live = serializers.SerializerMethodField()

    class Meta:
        model = AccessGrant
        fields = ["id", "user", "customer", "document", "reason", "source", "source_id", "granted_by", "starts_at",
                  "until", "revoked_at", "revoked_by", "revoke_reason", "live"]

    def get_live(self, grant) -> bool:
        from django.utils import timezone

        return grant.revoked_at is None and grant.until > timezone.now()


class AccessRequestOutput(serializers.ModelSerializer):
    requester = UserRef()
    state = serializers.ChoiceField(choices=AccessRequest.State.choices)
    archive_number = serializers.CharField(source="customer.archive_number")
    grant = GrantOutput(allow_null=True)

    class Meta:
        model = AccessRequest
        fields = ["id", "customer", "archive_number", "document", "requester", "reason", "days", "state",
                  "created_at", "decided_by_snapshot", "decided_at", "decision_reason", "grant"]


class AccessRequestInput(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    document = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    reason = serializers.CharField(max_length=2000)
    days = serializers.IntegerField(min_value=1, max_value=366)


class DecisionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class NewestFirst(CursorPagination):
    ordering = ("-id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


PAGE_PARAMS = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]


def _paged(view, request, queryset, output):
    paginator = NewestFirst()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(page, many=True).data)


# --- the catalogue and the policy -------------------------------------------------------------------

class LevelListApi(IdempotentMixin, APIView):
    @extend_schema(responses={200: LevelOutput(many=True), **error_responses()}, operation_id="confidentiality_levels")
    def get(self, request):
        return Response(LevelOutput(selectors.confidentiality_levels(), many=True).data)

    @extend_schema(request=LevelCreateInput, responses={201: LevelOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="confidentiality_level_create",
                   description="Add a level (administrators). Levels needing approval must be the highest ranks.")
    def post(self, request):
        data = LevelCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        level = service.level_create(actor=request.user, **data.validated_data)
        return Response(LevelOutput(level).data, status=status.HTTP_201_CREATED)


def _level(pk: int) -> ConfidentialityLevel:
    level = ConfidentialityLevel.objects.filter(pk=pk).first()
    if level is None:
        raise Http404
    return level


class LevelDetailApi(IdempotentMixin, APIView):
    @extend_schema(request=LevelUpdateInput, responses={200: LevelOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="confidentiality_level_update",
                   description="Rename, re-rank or re-describe a level (administrators); its code stays.")
    def patch(self, request, pk: int):
        data = LevelUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        level = service.level_update(actor=request.user, level=_level(pk), **data.validated_data)
        return Response(LevelOutput(level).data)

    @extend_schema(responses={204: None, **error_responses(*WRITE)}, parameters=[openapi.IDEMPOTENCY_KEY],
                   operation_id="confidentiality_level_delete",
                   description="Delete an unused level (administrators).")
    def delete(self, request, pk: int):
        service.level_delete(actor=request.user, level=_level(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyApi(IdempotentMixin, APIView):
    @extend_schema(responses={200: PolicyOutput, **error_responses()}, operation_id="confidentiality_policy")
    def get(self, request):
        return Response(PolicyOutput(selectors.confidentiality_policy()).data)

    @extend_schema(request=PolicyInput, responses={200: PolicyOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="confidentiality_policy_set",
                   description="Who approves access requests and the longest grant (administrators).")
    def put(self, request):
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(PolicyOutput(service.policy_set(actor=request.user, **data.validated_data)).data)


# --- levels of files and documents, clearances ------------------------------------------------------

class CustomerLevelApi(IdempotentMixin, APIView):
    @extend_schema(request=LevelSetInput, responses={200: CustomerLevelOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="customer_confidentiality_set",
                   description="Set or clear the file's level (custodians, administrators), with a reason.")
    def post(self, request, pk: int):
        data = LevelSetInput(data=request.data)
        data.is_valid(raise_exception=True)
        # Ordinary scoping: the keeper reclassifies files whose content they may not read.
        customer = customers_in_scope(request.user).filter(pk=pk).first()
        if customer is None:
            raise Http404
        customer = service.customer_confidentiality_set(
            actor=request.user, customer=customer, level=service.level_by_code(data.validated_data["level"]),
            reason=data.validated_data["reason"])
        return Response(CustomerLevelOutput(customer).data)


class DocumentLevelApi(IdempotentMixin, APIView):
    @extend_schema(request=LevelSetInput, responses={200: DocumentLevelOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_confidentiality_set",
                   description="Set or clear one document's level (custodians, administrators), with a reason.")
    def post(self, request, pk: int):
        from dangan.documents.models import Document

        data = LevelSetInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = Document.objects.filter(pk=pk, customer__in=customers_in_scope(request.user)).first()
        if document is None:
            raise Http404
        document = service.document_confidentiality_set(
            actor=request.user, document=document, level=service.level_by_code(data.validated_data["level"]),
            reason=data.validated_data["reason"])
        return Response(DocumentLevelOutput(document).data)


class ClearanceApi(IdempotentMixin, APIView):
    @extend_schema(request=LevelSetInput, responses={200: ClearanceOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="user_clearance_set",
                   description="Set or clear a user's clearance (administrators), with a reason.")
    def post(self, request, pk: int):
        from dangan.accounts.models import User

        data = LevelSetInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = User.objects.filter(pk=pk).first()
        if user is None:
            raise Http404
        user = service.clearance_set(actor=request.user, user=user,
                                     level=service.level_by_code(data.validated_data["level"]),
                                     reason=data.validated_data["reason"])
        return Response(ClearanceOutput(user).data)


class ClassifiedFileListApi(APIView):
    @extend_schema(parameters=PAGE_PARAMS, operation_id="classified_file_list",
                   responses={200: page_of(ClassifiedFileOutput, "ClassifiedFilePage"), **error_responses(*READ)},
                   description="Classified files by number, level and department — no content: all of "
                               "them for custodians and administrators; for others, those in their scope and "
                               "department, which they may ask to read.")
    def get(self, request):
        paginator = NewestFirst()
        paginator.ordering = ("archive_number",)
        page = paginator.paginate_queryset(selectors.classified_files(user=request.user), request, view=self)
        return paginator.get_paginated_response(ClassifiedFileOutput(page, many=True).data)


# --- access requests and grants ---------------------------------------------------------------------

class AccessRequestListApi(IdempotentMixin, APIView):
    class Box(serializers.Serializer):
        box = serializers.ChoiceField(choices=[("mine", "mine"), ("to_decide", "to_decide")], required=False,
                                      default="mine", help_text="mine: my requests; to_decide: pending ones I "
                                                                "may decide")

    @extend_schema(parameters=[Box, *PAGE_PARAMS], operation_id="access_request_list",
                   responses={200: page_of(AccessRequestOutput, "AccessRequestPage"), **error_responses(*READ)})
    def get(self, request):
        data = self.Box(data=request.query_params)
        data.is_valid(raise_exception=True)
        if data.validated_data["box"] == "to_decide":
            requests = selectors.access_requests_to_decide(user=request.user)
        else:
            requests = selectors.access_requests_of(user=request.user)
        return _paged(self, request, requests.select_related("requester", "grant__user"), AccessRequestOutput)

    @extend_schema(request=AccessRequestInput, responses={201: AccessRequestOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="access_request_create",
                   description="Ask to view a classified file (or one document of it) for a number of days, "
                               "with a reason (members of the owning department).")
    def post(self, request):
        from dangan.documents.models import Document

        data = AccessRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = customers_in_scope(request.user).select_related("confidentiality").filter(
            pk=values["customer"]).first()
        if customer is None:
            raise Http404
        document = None
        if values.get("document"):
            document = Document.objects.select_related("confidentiality").filter(
                pk=values["document"], customer=customer).first()
            if document is None:
                raise Http404
        access_request = service.access_request_create(actor=request.user, customer=customer, document=document,
                                                       reason=values["reason"], days=values["days"])
        return Response(AccessRequestOutput(access_request).data, status=status.HTTP_201_CREATED)


def _request(pk: int) -> AccessRequest:
    access_request = AccessRequest.objects.filter(pk=pk).first()
    if access_request is None:
        raise Http404
    return access_request


class AccessRequestApproveApi(IdempotentMixin, APIView):
    @extend_schema(request=DecisionInput, responses={200: AccessRequestOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="access_request_approve",
                   description="Approve (an approver role, never the requester): a grant for the days asked.")
    def post(self, request, pk: int):
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decided = service.access_request_approve(actor=request.user, request=_request(pk), **data.validated_data)
        return Response(AccessRequestOutput(decided).data)


class AccessRequestRejectApi(IdempotentMixin, APIView):
    @extend_schema(request=ReasonInput, responses={200: AccessRequestOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="access_request_reject",
                   description="Reject with a reason (an approver role, never the requester).")
    def post(self, request, pk: int):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        decided = service.access_request_reject(actor=request.user, request=_request(pk), **data.validated_data)
        return Response(AccessRequestOutput(decided).data)


class AccessGrantListApi(APIView):
    class Filter(serializers.Serializer):
        customer = serializers.IntegerField(required=False, min_value=1)
        user = serializers.IntegerField(required=False, min_value=1)
        live = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(parameters=[Filter, *PAGE_PARAMS], operation_id="access_grant_list",
                   responses={200: page_of(GrantOutput, "AccessGrantPage"), **error_responses(*READ)},
                   description="Grants: custodians, administrators and auditors see all; others their own.")
    def get(self, request):
        data = self.Filter(data=request.query_params)
        data.is_valid(raise_exception=True)
        return _paged(self, request, selectors.access_grants(user=request.user, filters=data.validated_data),
                      GrantOutput)


class AccessGrantRevokeApi(IdempotentMixin, APIView):
    @extend_schema(request=ReasonInput, responses={200: GrantOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="access_grant_revoke",
                   description="End a grant early (custodians, administrators, approvers, the granter).")
    def post(self, request, pk: int):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        grant = AccessGrant.objects.select_related("user").filter(pk=pk).first()
        if grant is None:
            raise Http404
        grant = service.revoke_access_grant(actor=request.user, grant=grant, **data.validated_data)
        return Response(GrantOutput(grant).data)


# --- reading a document -----------------------------------------------------------------------------

class DocumentPageImageApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The image is not a DRF rendering; errors still answer in the one JSON shape.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses={(200, JPEG): OpenApiResponse(OpenApiTypes.BINARY, description="the page, watermarked"),
                              **error_responses(*READ, 409)},
                   operation_id="document_page_image",
                   description="One page (1-based) of the document's current version as a JPEG watermarked with "
                               "the viewer's name and the time; recorded in the query log. The only way a "
                               "classified document is read.")
    def get(self, request, pk: int, page: int):
        from dangan.documents import selectors as document_selectors

        document = document_selectors.document_detail(user=request.user, pk=pk)
        if document is None:
            raise Http404
        image = service.document_page_view(actor=request.user, document=document, page=page, request=request)
        response = HttpResponse(image, content_type=JPEG)
        # Not kept by browsers or proxies: each view is a fresh, recorded, watermarked rendering.
        response["Cache-Control"] = "no-store, private"
        response["Content-Disposition"] = "inline"
        return response
