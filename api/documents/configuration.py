"""Document configuration and the file-level views over REST: document types, required-document
checklists and their items, a file's completeness, vouchers missing scans, physical locations,
where a file's paper lives, and archive bag labels (PDF).

Every company user may read the configuration; who may change it is the services' rule
(custodians and administrators), answered with 403."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.archives import selectors as archive_selectors
from dangan.archives.models import ArchiveCategory
from dangan.documents import errors, labels, selectors
from dangan.documents.models import Checklist, ChecklistItem, DocumentType, OriginalOrCopy, PhysicalLocation
from dangan.documents.services import checklists, locations
from dangan.documents.services.documents import document_type_create, document_type_update
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin
from dangan.platform.errors import ApplicationError

from .documents import visible_customer
from .serializers import (
    READ, WRITE, ChecklistItemOutput, ChecklistOutput, CompletenessOutput, DocumentTypeOutput, LocationOutput,
    VoucherFlagOutput, error_responses,
)

MAX_LABELS = 400  # one PDF: 50 A4 pages


def get_or_404(queryset, **lookup):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def reference(queryset, pk, *, field: str):
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ApplicationError(errors.LINK_INVALID, field=field, what=field, what_en=field)
    return found


def writing(code: int, output) -> dict:
    return {code: output, **error_responses(*WRITE)}


# --- document types ---------------------------------------------------------------------------------

class DocumentTypeListApi(IdempotentMixin, APIView):
    class CreateInput(serializers.Serializer):
        code = serializers.SlugField(max_length=40, help_text="never changes")
        name = serializers.CharField(max_length=100)
        description = serializers.CharField(max_length=300, required=False, allow_blank=True)
        default_original_or_copy = serializers.ChoiceField(choices=OriginalOrCopy.choices, required=False)
        sort = serializers.IntegerField(min_value=0, max_value=100_000, required=False)

    @extend_schema(parameters=[OpenApiParameter("include_inactive", bool)],
                   responses={200: DocumentTypeOutput(many=True), **error_responses()}, operation_id="document_type_list")
    def get(self, request):
        include = request.query_params.get("include_inactive") in ("1", "true", "True")
        return Response(DocumentTypeOutput(selectors.document_types(include_inactive=include), many=True).data)

    @extend_schema(request=CreateInput, responses=writing(201, DocumentTypeOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_type_create")
    def post(self, request):
        data = self.CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = document_type_create(actor=request.user, **data.validated_data)
        return Response(DocumentTypeOutput(created).data, status=status.HTTP_201_CREATED)


class DocumentTypeDetailApi(IdempotentMixin, APIView):
    class UpdateInput(DocumentTypeListApi.CreateInput):
        code = None
        name = serializers.CharField(max_length=100, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(request=UpdateInput, responses=writing(200, DocumentTypeOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_type_update")
    def patch(self, request, pk: int):
        doc_type = get_or_404(DocumentType.objects, pk=pk)
        data = self.UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = document_type_update(actor=request.user, document_type=doc_type, **data.validated_data)
        return Response(DocumentTypeOutput(updated).data)


# --- checklists -------------------------------------------------------------------------------------

class Condition(serializers.Serializer):
    field = serializers.SlugField(max_length=50, help_text="a custom field key of the category")
    op = serializers.ChoiceField(choices=[(op, op) for op in checklists.OPERATORS], default="eq")
    value = serializers.JSONField(required=False, help_text="a value (eq, ne) or a list (in)")


class ChecklistListApi(IdempotentMixin, APIView):
    class CreateInput(serializers.Serializer):
        category = serializers.IntegerField(min_value=1)
        name = serializers.CharField(max_length=100)
        description = serializers.CharField(max_length=300, required=False, allow_blank=True)
        condition = Condition(required=False, allow_null=True)
        sort = serializers.IntegerField(min_value=0, max_value=100_000, required=False)

    @extend_schema(parameters=[OpenApiParameter("category", int)],
                   responses={200: ChecklistOutput(many=True), **error_responses(400)}, operation_id="checklist_list")
    def get(self, request):
        category = request.query_params.get("category")
        if category not in (None, "") and not (category.isascii() and category.isdigit()):
            raise ApplicationError(errors.LINK_INVALID, field="category", what="档案类别", what_en="category")
        return Response(ChecklistOutput(selectors.checklists_of(category_id=int(category) if category else None),
                                        many=True).data)

    @extend_schema(request=CreateInput, responses=writing(201, ChecklistOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="checklist_create")
    def post(self, request):
        data = self.CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["category"] = reference(ArchiveCategory.objects, values["category"], field="category")
        created = checklists.checklist_create(actor=request.user, **values)
        return Response(ChecklistOutput(selectors.checklists_of().get(pk=created.pk)).data,
                        status=status.HTTP_201_CREATED)


class ChecklistDetailApi(IdempotentMixin, APIView):
    class UpdateInput(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        description = serializers.CharField(max_length=300, required=False, allow_blank=True)
        condition = Condition(required=False, allow_null=True)
        sort = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(request=UpdateInput, responses=writing(200, ChecklistOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="checklist_update")
    def patch(self, request, pk: int):
        checklist = get_or_404(Checklist.objects, pk=pk)
        data = self.UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        checklists.checklist_update(actor=request.user, checklist=checklist, **data.validated_data)
        return Response(ChecklistOutput(selectors.checklists_of().get(pk=pk)).data)


class ItemWrite(serializers.Serializer):
    document_type = serializers.CharField(max_length=40, help_text="id or code")
    copies = serializers.IntegerField(min_value=1, max_value=100, required=False)
    original_or_copy = serializers.ChoiceField(choices=ChecklistItem.Form.choices, required=False)
    required = serializers.BooleanField(required=False, help_text="false: counts towards completeness, never blocks filing")
    condition = Condition(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    sort = serializers.IntegerField(min_value=0, max_value=100_000, required=False)


class ChecklistItemCreateApi(IdempotentMixin, APIView):
    @extend_schema(request=ItemWrite, responses=writing(201, ChecklistItemOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="checklist_item_create")
    def post(self, request, pk: int):
        checklist = get_or_404(Checklist.objects.select_related("category"), pk=pk)
        data = ItemWrite(data=request.data)
        data.is_valid(raise_exception=True)
        item = checklists.checklist_item_create(actor=request.user, checklist=checklist, **data.validated_data)
        return Response(ChecklistItemOutput(item).data, status=status.HTTP_201_CREATED)


class ChecklistItemDetailApi(IdempotentMixin, APIView):
    class UpdateInput(ItemWrite):
        document_type = serializers.CharField(max_length=40, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(request=UpdateInput, responses=writing(200, ChecklistItemOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="checklist_item_update")
    def patch(self, request, pk: int):
        item = get_or_404(ChecklistItem.objects, pk=pk)
        data = self.UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        item = checklists.checklist_item_update(actor=request.user, item=item, **data.validated_data)
        return Response(ChecklistItemOutput(item).data)

    @extend_schema(responses={204: None, **error_responses(*WRITE)}, parameters=[openapi.IDEMPOTENCY_KEY],
                   operation_id="checklist_item_delete", description="Deactivates the item.")
    def delete(self, request, pk: int):
        checklists.checklist_item_delete(actor=request.user, item=get_or_404(ChecklistItem.objects, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerCompletenessApi(APIView):
    @extend_schema(responses={200: CompletenessOutput, **error_responses(*READ)}, operation_id="customer_completeness",
                   description="The file's required-document checklist: percentage, each item, what is missing.")
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        result = checklists.completeness(customer)
        return Response(CompletenessOutput({
            "customer": customer.pk, "percent": result.percent, "can_file": not result.required_missing,
            "items": [status.as_dict() for status in result.items],
            "missing": [status.as_dict() for status in result.missing]}).data)


class VoucherMissingScansApi(APIView):
    class Pagination(CursorPagination):
        ordering = ("-issued_on", "-id")
        page_size = 100

    @extend_schema(parameters=[OpenApiParameter("cursor", str)], operation_id="voucher_missing_scans",
                   responses={200: page_of(VoucherFlagOutput, "VoucherFlagPage"), **error_responses(*READ)},
                   description="Vouchers (and their ledger entries) of which some of the three copies has no scan.")
    def get(self, request):
        paginator = self.Pagination()
        page = paginator.paginate_queryset(selectors.vouchers_missing_scans(user=request.user), request, view=self)
        for voucher in page:
            voucher.missing_copies = selectors.missing_kinds(voucher)
        return paginator.get_paginated_response(VoucherFlagOutput(page, many=True).data)


# --- physical locations and labels --------------------------------------------------------------------

class LocationListApi(IdempotentMixin, APIView):
    class CreateInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=PhysicalLocation.Kind.choices)
        code = serializers.CharField(max_length=60)
        name = serializers.CharField(max_length=200)
        parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(responses={200: LocationOutput(many=True), **error_responses()}, operation_id="location_list")
    def get(self, request):
        return Response(LocationOutput(selectors.location_tree(), many=True).data)

    @extend_schema(request=CreateInput, responses=writing(201, LocationOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="location_create")
    def post(self, request):
        data = self.CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["parent"] = reference(PhysicalLocation.objects, values.get("parent"), field="parent")
        return Response(LocationOutput(locations.location_create(actor=request.user, **values)).data,
                        status=status.HTTP_201_CREATED)


class LocationDetailApi(IdempotentMixin, APIView):
    class UpdateInput(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=UpdateInput, responses=writing(200, LocationOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="location_update")
    def patch(self, request, pk: int):
        location = get_or_404(PhysicalLocation.objects, pk=pk)
        data = self.UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "parent" in values:
            values["parent"] = reference(PhysicalLocation.objects, values["parent"], field="parent")
        return Response(LocationOutput(locations.location_update(actor=request.user, location=location,
                                                                 **values)).data)

    @extend_schema(responses={204: None, **error_responses(*WRITE)}, parameters=[openapi.IDEMPOTENCY_KEY],
                   operation_id="location_delete")
    def delete(self, request, pk: int):
        locations.location_delete(actor=request.user, location=get_or_404(PhysicalLocation.objects, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerPaperLocationApi(IdempotentMixin, APIView):
    class PutInput(serializers.Serializer):
        location = serializers.IntegerField(min_value=1, allow_null=True, help_text="null clears it")

    Output = inline_serializer("PaperLocation", {"customer": serializers.IntegerField(),
                                                 "location": LocationOutput(allow_null=True)})

    @extend_schema(request=PutInput, responses=writing(200, Output),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="customer_paper_location_set")
    def put(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = self.PutInput(data=request.data)
        data.is_valid(raise_exception=True)
        location = reference(PhysicalLocation.objects, data.validated_data["location"], field="location")
        locations.customer_location_set(actor=request.user, customer=customer, location=location)
        return Response({"customer": customer.pk, "location": LocationOutput(location).data if location else None})


PDF = "application/pdf"
PDF_RESPONSE = {(200, PDF): OpenApiResponse(OpenApiTypes.BINARY, description="printable archive bag labels")}
LAYOUT = OpenApiParameter("layout", str, enum=["sheet", "single"], description="A4 sheet of 8 (default) or one per page")


def _label_pdf(request, customers) -> HttpResponse:
    layout = request.query_params.get("layout", "sheet")
    if layout not in ("sheet", "single"):
        raise ApplicationError(errors.LINK_INVALID, field="layout", what="layout", what_en="layout")
    items = [labels.label_data(customer, url=request.build_absolute_uri(f"/customers/{customer.pk}/"))
             for customer in customers]
    response = HttpResponse(labels.render_labels(items, layout=layout), content_type=PDF)
    response["Content-Disposition"] = 'inline; filename="labels.pdf"'
    return response


class _PdfApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The PDF is not a DRF rendering: any Accept gets it, and errors still answer in JSON.
        return super().perform_content_negotiation(request, force=True)


class CustomerLabelApi(_PdfApi):
    @extend_schema(parameters=[LAYOUT], responses={**PDF_RESPONSE, **error_responses(*READ)},
                   operation_id="customer_label_pdf", description="The file's archive bag label (档案袋标签).")
    def get(self, request, pk: int):
        visible_customer(request, pk)
        customer = archive_selectors.customers_visible_to(request.user).select_related("owner").get(pk=pk)
        return _label_pdf(request, [customer])


class LabelSheetApi(_PdfApi):
    @extend_schema(parameters=[LAYOUT, OpenApiParameter("customers", str, required=True,
                                                        description="comma-separated customer ids")],
                   responses={**PDF_RESPONSE, **error_responses(*READ)}, operation_id="label_sheet_pdf")
    def get(self, request):
        raw = request.query_params.get("customers", "")
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if not parts or len(parts) > MAX_LABELS or not all(part.isascii() and part.isdigit() for part in parts):
            raise ApplicationError(errors.LINK_INVALID, field="customers", what="客户列表", what_en="customer list")
        ids = [int(part) for part in parts]
        found = {customer.pk: customer for customer in
                 archive_selectors.customers_visible_to(request.user).select_related("owner").filter(pk__in=ids)}
        if len(found) != len(set(ids)):
            raise Http404  # one invisible id: nothing, rather than a sheet that leaks which exist
        return _label_pdf(request, [found[pk] for pk in dict.fromkeys(ids)])
