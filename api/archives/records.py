"""What hangs off a customer file (R2) over REST: sales ledger, vouchers and their copies,
communications, service records, complaints (with their transitions) and satisfaction surveys.

Every route reaches a record through a customer the caller may see (404 otherwise, never 403:
a refusal would confirm the file exists). Who may *write* is the services' rule
(archives/services/records.py), answered with 403."""
from __future__ import annotations

import datetime as dt

from django.core.validators import MinValueValidator
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.accounts.models import User
from dangan.archives import errors, selectors
from dangan.archives.models import (
    CommunicationRecord, Complaint, Customer, SalesLedgerEntry, SalesVoucher, VoucherCopy,
)
from dangan.archives.services import records
from dangan.governance.masking import Masker
from dangan.integrations import openapi
from dangan.integrations.concurrency import ConditionalMixin
from dangan.integrations.idempotency import IdempotentMixin
from dangan.platform.errors import ApplicationError

from .customers import page_of
from .serializers import (
    NOT_MODIFIED, READ, WRITE, CommunicationOutput, ComplaintOutput, LedgerEntryOutput, ServiceRecordOutput,
    SurveyOutput, VoucherCopyOutput, VoucherOutput, error_responses,
)

LONG_TEXT = 5000  # summaries and descriptions: a page of text, not a document (those go to documents/)
# Before 1901 the company's zone (Asia/Shanghai) used local mean time, +08:05:43, an offset that
# RFC 3339 date-times cannot express; no customer interaction on file happened then anyway.
EARLIEST = dt.datetime(1901, 1, 1, tzinfo=dt.timezone.utc)
PAGE_PARAMS = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]


def moment(**kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(validators=[MinValueValidator(EARLIEST)], **kwargs)


def visible_customer(request, pk: int) -> Customer:
    # Lighter than selectors.customer_detail: the services only need the owner (for their
    # permission rule) and none of the detail page's prefetches.
    customer = selectors.customers_visible_to(request.user).select_related("owner").filter(pk=pk).first()
    if customer is None:
        raise Http404
    return customer


def visible_record(queryset, request, pk: int, customer_path: str = "customer"):
    """A row hanging off a file, found only through the customers the caller may see."""
    found = queryset.filter(pk=pk, **{f"{customer_path}__in": selectors.customers_visible_to(request.user)}).first()
    if found is None:
        raise Http404
    return found


def company_user(pk: int | None, *, field: str):
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ApplicationError(errors.FIELD_INVALID, field=field, zh="没有该用户。", en="No such user.")
    return user


def paginated(request, view, queryset, ordering: tuple[str, ...], output, masked=None):
    paginator = CursorPagination()
    paginator.ordering, paginator.page_size, paginator.max_page_size = ordering, 50, 200
    paginator.page_size_query_param = "page_size"
    page = paginator.paginate_queryset(queryset, request, view=view)
    rows = output(page, many=True).data
    return paginator.get_paginated_response([masked(row) for row in rows] if masked else rows)


def ledger_data(request, customer, entry) -> dict:
    """LedgerEntryOutput with the buyer's contact masked unless the caller may see it."""
    return Masker(request.user).ledger_row(customer, LedgerEntryOutput(entry).data)


# --- sales ledger (销售台帐) -------------------------------------------------------------------------

class LedgerInput(serializers.ModelSerializer):
    """The model's own field rules (lengths, ranges, choices); no client-set owner or dates of record."""

    class Meta:
        model = SalesLedgerEntry
        fields = records.LEDGER_FIELDS


class LedgerListApi(IdempotentMixin, APIView):
    @extend_schema(parameters=PAGE_PARAMS, responses={200: page_of(LedgerEntryOutput, "LedgerPage"),
                                                      **error_responses(*READ)},
                   operation_id="ledger_list")
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        masker = Masker(request.user)
        return paginated(request, self, customer.ledger_entries.all(), ("-sale_date", "-id"), LedgerEntryOutput,
                         masked=lambda row: masker.ledger_row(customer, row))

    @extend_schema(request=LedgerInput, responses={201: LedgerEntryOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="ledger_create")
    def post(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = LedgerInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = records.ledger_entry_create(actor=request.user, customer=customer, **data.validated_data)
        return Response(ledger_data(request, customer, entry), status=status.HTTP_201_CREATED)


class LedgerDetailApi(ConditionalMixin, IdempotentMixin, APIView):
    # Ledger rows carry no version: the ETag comes from `updated_at` (etag_for). The If-Match
    # check runs before the service takes its row lock, so two writes landing in the same
    # instant could both pass it; acceptable for ledger corrections, unlike customer files.

    def get_etag_object(self, request, pk: int):
        return visible_record(SalesLedgerEntry.objects.select_related("customer__owner"), request, pk)

    @extend_schema(parameters=[openapi.IF_NONE_MATCH],
                   responses={200: LedgerEntryOutput, 304: NOT_MODIFIED, **error_responses(*READ)},
                   operation_id="ledger_detail")
    def get(self, request, pk: int):
        return Response(ledger_data(request, self.etag_instance.customer, self.etag_instance))

    @extend_schema(request=LedgerInput, parameters=[openapi.IF_MATCH, openapi.IDEMPOTENCY_KEY],
                   responses={200: LedgerEntryOutput, **error_responses(*WRITE, 412)}, operation_id="ledger_update")
    def patch(self, request, pk: int):
        data = LedgerInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        entry = records.ledger_entry_update(actor=request.user, entry=self.etag_instance, **data.validated_data)
        return Response(ledger_data(request, self.etag_instance.customer, entry))

    @extend_schema(parameters=[openapi.IF_MATCH, openapi.IDEMPOTENCY_KEY],
                   responses={204: None, **error_responses(*WRITE, 412)}, operation_id="ledger_delete")
    def delete(self, request, pk: int):
        records.ledger_entry_delete(actor=request.user, entry=self.etag_instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- sales vouchers (销售凭证) and their three copies ------------------------------------------------

class VoucherListApi(IdempotentMixin, APIView):
    class VoucherCreateInput(serializers.Serializer):
        number = serializers.CharField(max_length=60)
        issued_on = serializers.DateField()
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
        ledger_entry = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                                help_text="id of this customer's ledger entry the voucher covers")

    @extend_schema(parameters=PAGE_PARAMS, responses={200: page_of(VoucherOutput, "VoucherPage"),
                                                      **error_responses(*READ)},
                   operation_id="voucher_list")
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        return paginated(request, self, customer.vouchers.prefetch_related("copies"), ("-issued_on", "-id"),
                         VoucherOutput)

    @extend_schema(request=VoucherCreateInput, responses={201: VoucherOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="voucher_create",
                   description="Creates the voucher with its three copies (存根联, 发票联, 随货同行联), none received yet.")
    def post(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = self.VoucherCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        entry_id = values.pop("ledger_entry", None)
        entry = None
        if entry_id is not None:
            entry = customer.ledger_entries.filter(pk=entry_id).first()
            if entry is None:
                raise ApplicationError(errors.FIELD_INVALID, field="ledger_entry", zh="该客户没有这条台帐记录。",
                                       en="This customer has no such ledger entry.")
        voucher = records.voucher_create(actor=request.user, customer=customer, ledger_entry=entry, **values)
        voucher = SalesVoucher.objects.prefetch_related("copies").get(pk=voucher.pk)
        return Response(VoucherOutput(voucher).data, status=status.HTTP_201_CREATED)


class VoucherCopyApi(IdempotentMixin, APIView):
    class VoucherCopyInput(serializers.Serializer):
        received = serializers.BooleanField(required=False, help_text="the copy is back and kept in the file")
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(request=VoucherCopyInput, responses={200: VoucherCopyOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="voucher_copy_update")
    def patch(self, request, pk: int):
        copy = visible_record(VoucherCopy.objects.select_related("voucher__customer__owner"), request, pk,
                              "voucher__customer")
        data = self.VoucherCopyInput(data=request.data)
        data.is_valid(raise_exception=True)
        copy = records.voucher_copy_mark(actor=request.user, copy=copy,
                                         received=data.validated_data.get("received", copy.received),
                                         note=data.validated_data.get("note", copy.note))
        return Response(VoucherCopyOutput(copy).data)


# --- communications, service records, complaints, surveys ---------------------------------------

class CommunicationListApi(IdempotentMixin, APIView):
    class CommunicationCreateInput(serializers.Serializer):
        occurred_at = moment(required=False, allow_null=True, help_text="default: now")
        channel = serializers.ChoiceField(choices=CommunicationRecord.Channel.choices, required=False)
        contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        summary = serializers.CharField(max_length=LONG_TEXT)
        next_step = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(parameters=PAGE_PARAMS, responses={200: page_of(CommunicationOutput, "CommunicationPage"),
                                                      **error_responses(*READ)},
                   operation_id="communication_list")
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        return paginated(request, self, customer.communications.select_related("recorded_by"),
                         ("-occurred_at", "-id"), CommunicationOutput)

    @extend_schema(request=CommunicationCreateInput, responses={201: CommunicationOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="communication_create")
    def post(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = self.CommunicationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = records.communication_create(actor=request.user, customer=customer, **data.validated_data)
        return Response(CommunicationOutput(record).data, status=status.HTTP_201_CREATED)


class ServiceRecordListApi(IdempotentMixin, APIView):
    class ServiceRecordCreateInput(serializers.Serializer):
        served_on = serializers.DateField()
        kind = serializers.CharField(max_length=60, help_text="e.g. 上门安装, 技术培训, 售后维修")
        description = serializers.CharField(max_length=LONG_TEXT)

    @extend_schema(parameters=PAGE_PARAMS, responses={200: page_of(ServiceRecordOutput, "ServiceRecordPage"),
                                                      **error_responses(*READ)},
                   operation_id="service_record_list")
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        return paginated(request, self, customer.service_records.select_related("recorded_by"),
                         ("-served_on", "-id"), ServiceRecordOutput)

    @extend_schema(request=ServiceRecordCreateInput, responses={201: ServiceRecordOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="service_record_create")
    def post(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = self.ServiceRecordCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = records.service_record_create(actor=request.user, customer=customer, **data.validated_data)
        return Response(ServiceRecordOutput(record).data, status=status.HTTP_201_CREATED)


class ComplaintListApi(IdempotentMixin, APIView):
    class ComplaintCreateInput(serializers.Serializer):
        subject = serializers.CharField(max_length=200)
        description = serializers.CharField(max_length=LONG_TEXT)
        received_at = moment(required=False, allow_null=True, help_text="default: now")
        handler = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="user id")

    @extend_schema(parameters=PAGE_PARAMS, responses={200: page_of(ComplaintOutput, "ComplaintPage"),
                                                      **error_responses(*READ)},
                   operation_id="complaint_list")
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        return paginated(request, self, customer.complaints.select_related("handler", "recorded_by"),
                         ("-received_at", "-id"), ComplaintOutput)

    @extend_schema(request=ComplaintCreateInput, responses={201: ComplaintOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="complaint_create")
    def post(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = self.ComplaintCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["handler"] = company_user(values.pop("handler", None), field="handler")
        complaint = records.complaint_create(actor=request.user, customer=customer, **values)
        return Response(ComplaintOutput(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintTransitionApi(IdempotentMixin, APIView):
    class ComplaintTransitionInput(serializers.Serializer):
        to = serializers.ChoiceField(choices=Complaint.State.choices)
        resolution = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="",
                                           help_text="required when moving to resolved")
        handler = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                           help_text="user id; when moving to handling (default: you)")

    @extend_schema(request=ComplaintTransitionInput, responses={200: ComplaintOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="complaint_transition",
                   description="received → handling → resolved (with the resolution) → closed; a resolved "
                   "complaint may go back to handling. Anything else: 409 complaint_transition_invalid.")
    def post(self, request, pk: int):
        complaint = visible_record(Complaint.objects.select_related("customer__owner"), request, pk)
        data = self.ComplaintTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["handler"] = company_user(values.pop("handler", None), field="handler")
        complaint = records.complaint_transition(actor=request.user, complaint=complaint, **values)
        complaint = Complaint.objects.select_related("handler", "recorded_by").get(pk=complaint.pk)
        return Response(ComplaintOutput(complaint).data)


class SurveyListApi(IdempotentMixin, APIView):
    class SurveyCreateInput(serializers.Serializer):
        surveyed_on = serializers.DateField()
        score = serializers.IntegerField(min_value=1, max_value=5, help_text="satisfaction 1 (poor) – 5 (very good)")
        comment = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)

    @extend_schema(parameters=PAGE_PARAMS, responses={200: page_of(SurveyOutput, "SurveyPage"),
                                                      **error_responses(*READ)},
                   operation_id="survey_list")
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        return paginated(request, self, customer.surveys.select_related("recorded_by"), ("-surveyed_on", "-id"),
                         SurveyOutput)

    @extend_schema(request=SurveyCreateInput, responses={201: SurveyOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="survey_create")
    def post(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = self.SurveyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        survey = records.survey_create(actor=request.user, customer=customer, **data.validated_data)
        return Response(SurveyOutput(survey).data, status=status.HTTP_201_CREATED)
