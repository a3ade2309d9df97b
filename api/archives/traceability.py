"""Traceability (可追溯性, R2): from a product, item number or batch to every customer who
received it and how to reach them — on screen (cursor pages) and as an Excel file. Both read
through archives.selectors.traceability, so both see only the caller's visible customers."""
from __future__ import annotations

import re
import tempfile

import orjson
import structlog
from django.db import models
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from dangan.archives import selectors
from dangan.archives.models import SalesLedgerEntry
from dangan.governance.masking import PHONE, Masker
from dangan.governance.models import AccessRecord
from dangan.governance.services.access import MAX_IDS, access_record
from dangan.platform.errors import ApplicationError, ErrorCode

from .customers import page_of
from .rows import PreparedValues, plan_for
from .serializers import READ, ContactSerializer, TraceabilityRowOutput, error_responses

logger = structlog.get_logger(__name__)

FILTER_REQUIRED = ErrorCode(
    "traceability_filter_required", "请至少填写产品名称、货号或批号中的一项。",
    "Give at least one of product, item_number or batch.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows are fetched (with their customers' contacts) in chunks of this size: memory stays flat
# however many deliveries a recalled batch had.
EXPORT_CHUNK = 1000
EXPORT_HEADERS = ["销售日期", "品名", "货号", "产品批号", "规格", "包装", "数量", "箱数", "有效期至", "凭证号",
                  "档案编号", "客户名称", "联系人", "电话", "电子邮箱", "职务"]


def json_fields(serializer_class) -> tuple[str, ...]:
    """The field names of `serializer_class` when each is a model column of its own name that
    PostgreSQL's json renders exactly as the serializer does (text as text, booleans, integers):
    rows built in SQL (selectors.trace_contacts_json) then equal `serializer_class(instance).data`.
    Anything else is refused, so a new field cannot silently render differently."""
    serializer = serializer_class()
    model = serializer.Meta.model
    names = []
    for field in serializer._readable_fields:
        column = next((f for f in model._meta.concrete_fields if f.name == field.source), None)
        if column is None or field.source != field.field_name or not isinstance(
                column, _AS_IN_JSON.get(type(field).to_representation, ())):
            raise TypeError(f"{serializer_class.__name__}.{field.field_name}: not a column PostgreSQL renders alike")
        names.append(field.field_name)
    return tuple(names)


# DRF's to_representation → the model fields whose values it hands back unchanged.
_AS_IN_JSON = {drf_fields.CharField.to_representation: (models.CharField, models.TextField),
               drf_fields.BooleanField.to_representation: models.BooleanField,
               drf_fields.IntegerField.to_representation: models.IntegerField}

CONTACT_FIELDS = json_fields(ContactSerializer)


class TraceabilityFilter(serializers.Serializer):
    product = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                    help_text="part of the product name (品名)")
    item_number = serializers.CharField(required=False, allow_blank=True, max_length=60, help_text="货号, exact")
    batch = serializers.CharField(required=False, allow_blank=True, max_length=60, help_text="产品批号, exact")


def parse_filters(request) -> dict:
    data = TraceabilityFilter(data=request.query_params)
    data.is_valid(raise_exception=True)
    filters = {key: value.strip() for key, value in data.validated_data.items() if value.strip()}
    if not filters:
        # An unfiltered trace would be the whole ledger: refuse rather than page through it.
        raise ApplicationError(FILTER_REQUIRED)
    return filters


def trace_statement_key(user, lookups: dict, phone_rule: tuple):
    """What the SQL of a trace page depends on besides the recorded filters and cursor: the
    viewer's scope (selectors.visibility_key) and how they see phones (the company's masking
    policy may change). None — compile it every time — for a scope that is never kept and for
    a product name, whose LIKE pattern no one plan suits."""
    scope = selectors.visibility_key(user)
    if scope is None or any(lookup.endswith("__icontains") for lookup in lookups):
        return None
    return "traceability", scope, phone_rule


class TraceabilityPagination(CursorPagination):
    ordering = ("-sale_date", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class TraceabilityApi(APIView):
    @extend_schema(parameters=[TraceabilityFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(TraceabilityRowOutput, "TraceabilityPage"), **error_responses(*READ)},
                   operation_id="traceability", description="At least one filter is required "
                   "(400 traceability_filter_required otherwise). Newest deliveries first.")
    def get(self, request):
        filters = parse_filters(request)
        paginator = TraceabilityPagination()
        # Rows as values (api/archives/rows.py), each with its customer's contacts as JSON text
        # in ContactSerializer's shape: the page and its contacts in one query.
        plan = plan_for(TraceabilityRowOutput, children=("contacts",))
        # Phones are masked by PostgreSQL as it builds the contacts (governance/masking.py
        # masked_phone_sql, the same rule as Masker): ~300 contacts a page no longer pass
        # through Python one by one.
        phone_rule = Masker(request.user).phone_rule()

        def page_query():
            return (selectors.traceability_unfiltered(user=request.user).prefetch_related(None)
                    .annotate(contacts_json=selectors.trace_contacts_json(CONTACT_FIELDS, phone_rule))
                    .values(*plan.columns, "contacts_json"))

        # The page's SQL is compiled once per viewer scope and filter names, the filter values
        # being parameters like the cursor's position (~15 % of a trace request's CPU was
        # building and compiling it); prepared on the server, since an exact batch or item
        # number plans alike whatever its value. A product name (LIKE) is compiled each time.
        lookups = selectors.traceability_lookups(**filters)
        rows = PreparedValues(SalesLedgerEntry, page_query, key=trace_statement_key(request.user, lookups, phone_rule),
                              server_prepared=True)
        for lookup, value in lookups.items():
            rows = rows.filter(**{lookup: value})
        page = paginator.paginate_queryset(rows, request, view=self)
        # orjson: ~2% of a trace request's CPU less than the standard json module, same values.
        rows = plan.render_page(page, children=lambda row: {"contacts": orjson.loads(row["contacts_json"] or "[]")})
        # The query log (查询记录): a trace reaches every customer who received a product.
        access_record(actor=request.user, action=AccessRecord.Action.TRACE, query=filters, result_count=len(page),
                      customer_ids=[row["customer_id"] for row in page], request=request)
        return paginator.get_paginated_response(rows)


def _contact_cells(contacts, masker: Masker, customer) -> list[str]:
    # One row per delivery (a recall counts deliveries); several contacts share its cells,
    # one per line, so nobody has to merge rows back together in Excel.
    phones = [masker.value(customer, PHONE, c.phone) for c in contacts]
    return ["\n".join(c.name for c in contacts), "\n".join(phones),
            *("\n".join(getattr(c, attr) for c in contacts) for attr in ("email", "position"))]


def _cell(sheet, value):
    """Typed input stays typed; text is kept as text: control characters XML cannot carry are
    dropped, and a leading "=" stays literal (never a formula a product name could smuggle in)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


class TraceabilityExportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The file is not a DRF rendering: a client asking for the spreadsheet type (or
        # anything else) gets it, and errors still answer in the one JSON shape.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[TraceabilityFilter],
                   responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY,
                                                           description="the deliveries, newest first"),
                              **error_responses(400)},
                   operation_id="traceability_export")
    def get(self, request):
        # openpyxl (and the Pillow it pulls in, ~10 MB) loads with the first export, not in
        # every web worker at start-up.
        from openpyxl import Workbook

        from dangan.governance.selectors import unclassified_q

        filters = parse_filters(request)
        # Classified files (密级) never leave in an export, whoever asks.
        entries = selectors.traceability(user=request.user, **filters).filter(unclassified_q("customer__"))
        # write_only streams rows into the zip as they come; the finished file is spooled to
        # disk (past 8 MB) and sent from there, never held whole in memory.
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("追溯")
        sheet.append(EXPORT_HEADERS)
        rows = 0
        masker = Masker(request.user)
        customer_ids: set[int] = set()
        for entry in entries.iterator(chunk_size=EXPORT_CHUNK):
            customer = entry.customer
            values = [entry.sale_date, entry.product_name, entry.item_number, entry.product_batch,
                      entry.specification, entry.packaging, entry.quantity, entry.cartons, entry.expiry_date,
                      entry.voucher_number, customer.archive_number, customer.name,
                      *_contact_cells(customer.contacts.all(), masker, customer)]
            sheet.append([_cell(sheet, value) for value in values])
            rows += 1
            if len(customer_ids) < MAX_IDS:
                customer_ids.add(customer.pk)
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        workbook.save(spool)
        spool.seek(0)
        logger.info("traceability_exported", rows=rows, filters=filters, user=request.user.pk)
        access_record(actor=request.user, action=AccessRecord.Action.EXPORT, query={"traceability": filters},
                      result_count=rows, customer_ids=customer_ids, request=request)
        label = re.sub(r"[^\w.-]+", "_", "-".join(filters.values()))[:60]
        name = f"追溯-{label}-{timezone.localdate():%Y%m%d}.xlsx"
        return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX)
