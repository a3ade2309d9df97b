"""Retention rules, legal holds, destruction lists (销毁清册) with their approval chain, and
destruction records with certificates (R7). Rules live in governance/services and selectors."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.api.archives.serializers import READ, WRITE, error_responses
from dangan.archives.models import ArchiveCategory
from dangan.governance import selectors
from dangan.governance.models import (
    DestructionRecord, DispositionApproval, DispositionBatch, DispositionItem, LegalHold, RetentionRule,
)
from dangan.governance.services import destruction, disposition, retention
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin

# Named for SPECTACULAR_SETTINGS: distinct enum names for distinct choice sets.
DispositionStage = DispositionBatch.Stage
DispositionOutcome = DispositionItem.Outcome
PDF = "application/pdf"


class RetentionRuleOutput(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = RetentionRule
        fields = ["id", "category", "name", "fixed_years", "shelf_life", "years_after_expiry",
                  "years_after_relationship_end", "years_after_last_sale", "contract_end_field",
                  "years_after_contract_end", "updated_at"]


class RetentionRuleInput(serializers.Serializer):
    category = serializers.SlugField(required=False, allow_null=True, max_length=30,
                                     help_text="category code; empty for the company-wide default")
    name = serializers.CharField(required=False, max_length=100)
    fixed_years = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=200)
    shelf_life = serializers.BooleanField(required=False)
    years_after_expiry = serializers.IntegerField(required=False, min_value=0, max_value=200)
    years_after_relationship_end = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                                            max_value=200)
    years_after_last_sale = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=200)
    contract_end_field = serializers.SlugField(required=False, allow_blank=True, max_length=50)
    years_after_contract_end = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                                        max_value=200)


class RetentionRuleListApi(IdempotentMixin, APIView):
    @extend_schema(responses={200: RetentionRuleOutput(many=True), **error_responses()},
                   operation_id="retention_rule_list")
    def get(self, request):
        return Response(RetentionRuleOutput(selectors.retention_rules(), many=True).data)

    @extend_schema(request=RetentionRuleInput, responses={200: RetentionRuleOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="retention_rule_save",
                   description="Create or change the rule of a category (or the default); every file it "
                               "governs is recomputed (administrators).")
    def post(self, request):
        data = RetentionRuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        code = values.pop("category", None)
        category = None
        if code:
            category = ArchiveCategory.objects.filter(code=code).first()
            if category is None:
                raise Http404
        rule = retention.retention_rule_save(actor=request.user, category=category, **values)
        return Response(RetentionRuleOutput(rule).data)


class HoldOutput(serializers.ModelSerializer):
    active = serializers.BooleanField()

    class Meta:
        model = LegalHold
        fields = ["id", "customer", "reason", "set_by", "set_at", "released_by", "released_at", "release_reason",
                  "active"]


class CustomerRetentionOutput(serializers.Serializer):
    customer = serializers.IntegerField(source="pk")
    archive_number = serializers.CharField()
    retain_until = serializers.DateField(allow_null=True)
    retention_rule = RetentionRuleOutput(allow_null=True)
    retention_basis = serializers.JSONField()
    legal_holds = HoldOutput(many=True, source="legal_holds.all")


class GovernanceReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _visible(request, pk: int):
    customer = selectors.customer_retention(user=request.user, pk=pk)
    if customer is None:
        raise Http404
    return customer


class CustomerRetentionApi(APIView):
    @extend_schema(responses={200: CustomerRetentionOutput, **error_responses(*READ)},
                   operation_id="customer_retention", description="The file's retain-until date, the rule and "
                   "component that set it, and its legal holds.")
    def get(self, request, pk: int):
        return Response(CustomerRetentionOutput(_visible(request, pk)).data)


class LegalHoldCreateApi(IdempotentMixin, APIView):
    @extend_schema(request=GovernanceReasonInput, responses={201: HoldOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="legal_hold_set",
                   description="Set a legal hold (总经理, 副总经理, 审计, 租户管理员): the file cannot be destroyed.")
    def post(self, request, pk: int):
        data = GovernanceReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = retention.legal_hold_set(actor=request.user, customer=_visible(request, pk), **data.validated_data)
        return Response(HoldOutput(hold).data, status=status.HTTP_201_CREATED)


class LegalHoldReleaseApi(IdempotentMixin, APIView):
    @extend_schema(request=GovernanceReasonInput, responses={200: HoldOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="legal_hold_release",
                   description="Release a legal hold (总经理, 副总经理, 租户管理员).")
    def post(self, request, pk: int):
        data = GovernanceReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = LegalHold.objects.filter(pk=pk).first()
        if hold is None or _visible(request, hold.customer_id) is None:
            raise Http404
        return Response(HoldOutput(retention.legal_hold_release(actor=request.user, hold=hold,
                                                                 **data.validated_data)).data)


# --- the approval chain and destruction lists -------------------------------------------------------

class StepSerializer(serializers.Serializer):
    role = serializers.CharField(max_length=150)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ChainInput(serializers.Serializer):
    steps = StepSerializer(many=True)


class DispositionChainApi(IdempotentMixin, APIView):
    @extend_schema(responses={200: StepSerializer(many=True), **error_responses()}, operation_id="disposition_chain")
    def get(self, request):
        selectors.require_disposition_reader(request.user)
        return Response(StepSerializer(disposition.chain_steps(), many=True).data)

    @extend_schema(request=ChainInput, responses={200: StepSerializer(many=True), **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="disposition_chain_set",
                   description="Replace the destruction approval chain (administrators).")
    def put(self, request):
        data = ChainInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(disposition.disposition_chain_set(actor=request.user, steps=data.validated_data["steps"]))


class ItemOutput(serializers.ModelSerializer):
    class Meta:
        model = DispositionItem
        fields = ["id", "customer", "archive_number", "retain_until", "outcome", "note"]


class ApprovalOutput(serializers.ModelSerializer):
    class Meta:
        model = DispositionApproval
        fields = ["round", "step", "role", "decision", "approver_snapshot", "reason", "at"]


class BatchOutput(serializers.ModelSerializer):
    class Meta:
        model = DispositionBatch
        fields = ["id", "number", "stage", "created_by", "created_at", "submitted_by", "submitted_at", "round",
                  "steps", "current_step", "returned_reason", "approved_at", "destroyed_at"]


class BatchDetailOutput(BatchOutput):
    items = ItemOutput(many=True)
    approvals = ApprovalOutput(many=True)

    class Meta(BatchOutput.Meta):
        fields = [*BatchOutput.Meta.fields, "items", "approvals"]


class NewestFirst(CursorPagination):
    ordering = ("-id",)
    page_size = 50


class DispositionBatchListApi(APIView):
    @extend_schema(responses={200: page_of(BatchOutput, "DispositionBatchPage"), **error_responses(*READ)},
                   parameters=[OpenApiParameter("cursor", str)], operation_id="disposition_batch_list")
    def get(self, request):
        paginator = NewestFirst()
        page = paginator.paginate_queryset(selectors.disposition_batches(user=request.user), request, view=self)
        return paginator.get_paginated_response(BatchOutput(page, many=True).data)


def _batch(request, pk: int) -> DispositionBatch:
    batch = selectors.disposition_batch(user=request.user, pk=pk)
    if batch is None:
        raise Http404
    return batch


class DispositionBatchDetailApi(APIView):
    @extend_schema(responses={200: BatchDetailOutput, **error_responses(*READ)}, operation_id="disposition_batch_detail")
    def get(self, request, pk: int):
        return Response(BatchDetailOutput(_batch(request, pk)).data)


class DispositionSweepApi(APIView):
    # No Idempotency-Key: the sweep is idempotent by nature (a second run finds the files listed).
    @extend_schema(request=None, responses={200: inline_serializer("DispositionSweepResult", {
        "added": serializers.IntegerField(), "batch": serializers.CharField(required=False)}),
        **error_responses(409)}, operation_id="disposition_sweep",
        description="List expired, unheld files now instead of waiting for the daily job (custodians). "
                    "Running it twice adds nothing the second time.")
    def post(self, request):
        return Response(disposition.disposition_sweep_now(actor=request.user))


class DecisionInput(serializers.Serializer):
    step = serializers.IntegerField(min_value=0, max_value=20, help_text="the step decided (0 = first)")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class _BatchAction(IdempotentMixin, APIView):
    def decide(self, request, pk: int, service):
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        service(actor=request.user, batch=_batch(request, pk), **data.validated_data)
        return Response(BatchDetailOutput(_batch(request, pk)).data)


class DispositionSubmitApi(_BatchAction):
    @extend_schema(request=None, responses={200: BatchDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="disposition_batch_submit")
    def post(self, request, pk: int):
        disposition.disposition_batch_submit(actor=request.user, batch=_batch(request, pk))
        return Response(BatchDetailOutput(_batch(request, pk)).data)


class DispositionApproveApi(_BatchAction):
    @extend_schema(request=DecisionInput, responses={200: BatchDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="disposition_batch_approve",
                   description="Approve the named step; the last approval starts the destruction task.")
    def post(self, request, pk: int):
        return self.decide(request, pk, disposition.disposition_batch_approve)


class DispositionRejectApi(_BatchAction):
    @extend_schema(request=DecisionInput, responses={200: BatchDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="disposition_batch_reject",
                   description="Return the list to draft with the reason (required).")
    def post(self, request, pk: int):
        return self.decide(request, pk, disposition.disposition_batch_reject)


class DispositionItemExcludeApi(IdempotentMixin, APIView):
    @extend_schema(request=GovernanceReasonInput, responses={200: ItemOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="disposition_item_exclude")
    def post(self, request, pk: int):
        data = GovernanceReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = DispositionItem.objects.filter(pk=pk, batch__in=selectors.disposition_batches(user=request.user)).first()
        if item is None:
            raise Http404
        return Response(ItemOutput(disposition.disposition_item_exclude(actor=request.user, item=item,
                                                                       **data.validated_data)).data)


class DestructionRecordOutput(serializers.ModelSerializer):
    batch = serializers.CharField(source="batch.number")

    class Meta:
        model = DestructionRecord
        fields = ["id", "batch", "customer_pk", "archive_number", "category", "dates", "retention_rule",
                  "content_sha256", "object_hashes", "approvals", "executor", "executed_at", "certificate_sha256"]


class DestructionRecordListApi(APIView):
    @extend_schema(responses={200: page_of(DestructionRecordOutput, "DestructionRecordPage"), **error_responses(*READ)},
                   parameters=[OpenApiParameter("cursor", str)], operation_id="destruction_record_list")
    def get(self, request):
        paginator = NewestFirst()
        page = paginator.paginate_queryset(selectors.destruction_records(user=request.user), request, view=self)
        return paginator.get_paginated_response(DestructionRecordOutput(page, many=True).data)


class DestructionCertificateApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses={(200, PDF): OpenApiResponse(OpenApiTypes.BINARY, description="the certificate"),
                              **error_responses(404)}, operation_id="destruction_certificate")
    def get(self, request, pk: int):
        record = selectors.destruction_records(user=request.user).filter(pk=pk).first()
        if record is None:
            raise Http404
        response = HttpResponse(destruction.certificate_bytes(record=record), content_type=PDF)
        response["Content-Disposition"] = f'attachment; filename="destruction-{record.pk}.pdf"'
        return response
