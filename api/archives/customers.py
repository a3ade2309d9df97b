"""Customer files over REST: list (filters, search, cursor pages), create, show, change,
life-cycle actions, history, change requests. Views validate, call one service or selector,
and serialize; every rule lives in archives/services and archives/selectors."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from django.db.models.manager import BaseManager
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.fields import SkipField
from rest_framework.pagination import CursorPagination
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.archives import errors as archive_errors
from dangan.archives import selectors
from dangan.archives.models import ChangeRequest, Customer, CustomerState
from dangan.archives.services import customers as customer_services
from dangan.archives.services import lifecycle
from dangan.governance.masking import Masker
from dangan.governance.services.access import access_record
from dangan.governance.writable import reject_protected_fields
from dangan.integrations import openapi
from dangan.integrations.concurrency import ConditionalMixin
from dangan.integrations.idempotency import IdempotentMixin
from dangan.platform.errors import ApplicationError

from .rows import PreparedValues, plan_for
from .serializers import (
    NOT_MODIFIED, READ, WRITE, ChangeRequestOutput, ContactSerializer, CustomerDetailOutput, CustomerListOutput,
    HistoryOutput, error_responses,
)

def ref_field():
    """A classification or department reference: id, code or name within its vocabulary."""
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100,
                                 help_text="id, code or name within its vocabulary")


def _model_attribute(model, field) -> bool:
    """Whether `field` reads one concrete model field (or foreign key) straight off the instance."""
    if model is None or len(field.source_attrs) != 1 or isinstance(field, RelatedField):
        return False
    try:
        return model._meta.get_field(field.source_attrs[0]).concrete
    except FieldDoesNotExist:
        return False


def _compile(serializer, model):
    """`serializer.to_representation` as a flat list of steps: fields that read one model field
    get an attrgetter; nested objects and lists of objects are compiled the same way; anything
    else (methods, dotted or callable sources) keeps DRF's get_attribute. Each value is still
    converted by the field's own to_representation, and None stays None, as in DRF."""
    steps = []
    for field in serializer._readable_fields:
        plain = _model_attribute(model, field)
        if plain and isinstance(field, serializers.Serializer):
            related = model._meta.get_field(field.source).related_model
            steps.append((field.field_name, attrgetter(field.source), _compile(field, related)))
        elif plain and not isinstance(field, serializers.BaseSerializer):
            steps.append((field.field_name, attrgetter(field.source), field.to_representation))
        elif isinstance(field, serializers.ListSerializer) and isinstance(field.child, serializers.Serializer):
            child = field.child
            steps.append((field.field_name, field.get_attribute,
                          _many(_compile(child, getattr(getattr(child, "Meta", None), "model", None)))))
        else:
            steps.append((field.field_name, field.get_attribute, field.to_representation))

    def render(instance) -> dict:
        row = {}
        for name, get, convert in steps:
            try:
                value = get(instance)
            except SkipField:
                continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                row[name] = None
            else:
                row[name] = convert(value)
        return row

    return render


def _many(render_one):
    def render(value) -> list:  # ListSerializer.to_representation
        return [render_one(item) for item in (value.all() if isinstance(value, BaseManager) else value)]

    return render


@cache
def renderer(serializer_class):
    """The output of `serializer_class(instance).data`, without its per-request cost.

    A ModelSerializer inspects the model to build its fields on every instantiation, and DRF
    walks bound fields, generators and ReturnDicts for every row: 4.3 ms for a 50-row customer
    page, 1.4 ms here (bench/archives.py). The fields are built once (rendering keeps no state
    in them) and each row is a loop over precompiled steps: same dicts, same order, same field
    code converting each value.
    """
    serializer = serializer_class()
    return _compile(serializer, getattr(getattr(serializer, "Meta", None), "model", None))


def page_of(serializer_class, name: str):
    return inline_serializer(name, {"next": serializers.URLField(allow_null=True),
                                    "previous": serializers.URLField(allow_null=True),
                                    "results": serializer_class(many=True)})


class CustomerPagination(CursorPagination):
    """Keyset pages: constant cost at any depth, no COUNT(*) over large lists."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def detail_data(request, customer: Customer) -> dict:
    """CustomerDetailOutput for the caller: sensitive values masked unless they may see them
    (governance/masking.py)."""
    return Masker(request.user).customer_output(customer, renderer(CustomerDetailOutput)(customer))


@dataclass(frozen=True)
class RenderedFile:
    """A file read as values for GET: what the ETag, the masking rules and the query log read
    off it, and its CustomerDetailOutput (not yet masked)."""

    pk: int
    owner_id: int
    category_id: int
    version: int
    data: dict


def visible_file_rendered(request, pk: int) -> RenderedFile:
    """CustomerDetailOutput of a visible file from `.values()` rows (api/archives/rows.py):
    the file with its joined references, one query per fetched reference table, its contacts
    and its pending change requests — no model instances."""
    plan = plan_for(CustomerDetailOutput, fetched=selectors.DETAIL_FETCHED,
                    children=("contacts", "pending_change_requests"))
    row = selectors.customers_visible_to(request.user).filter(pk=pk).values(*plan.columns).first()
    if row is None:
        raise Http404
    contact_plan, request_plan = plan_for(ContactSerializer), plan_for(ChangeRequestOutput)
    children = {
        "contacts": contact_plan.render_page(list(selectors.contacts_of([pk]).values(*contact_plan.columns))),
        "pending_change_requests": request_plan.render_page(
            list(selectors.pending_change_requests_of([pk]).values(*request_plan.columns))),
    }
    data = plan.render(row, plan.fetch([row]), children)
    return RenderedFile(pk=row["id"], owner_id=row["owner_id"], category_id=row["category_id"],
                        version=row["version"], data=data)


def visible_customer(request, pk: int) -> Customer:
    customer = selectors.customer_detail(user=request.user, pk=pk)
    if customer is None:
        raise Http404
    return customer


class CustomerFilter(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, help_text="number, name (Chinese), pinyin or initials, phone, contact")
    category = serializers.IntegerField(required=False, min_value=1)
    state = serializers.ChoiceField(choices=CustomerState.choices, required=False)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    owner = serializers.IntegerField(required=False, min_value=1)
    department = serializers.IntegerField(required=False, min_value=1)
    grade = serializers.IntegerField(required=False, min_value=1)
    region = serializers.IntegerField(required=False, min_value=1)
    industry = serializers.IntegerField(required=False, min_value=1)
    customer_type = serializers.IntegerField(required=False, min_value=1)
    cooperation_project = serializers.IntegerField(required=False, min_value=1)
    volume = serializers.IntegerField(required=False, min_value=1)
    is_key_customer = serializers.BooleanField(required=False, allow_null=True, default=None)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


FILTER_NAMES = frozenset(CustomerFilter().fields)


def parse_filters(request) -> dict:
    if not FILTER_NAMES.intersection(request.query_params) and not any(
            key.startswith("custom.") for key in request.query_params):
        return {}  # what validating no filters gives, without building the serializer
    data = CustomerFilter(data=request.query_params)
    data.is_valid(raise_exception=True)
    filters = {k: v for k, v in data.validated_data.items() if v is not None}
    for key, value in request.query_params.items():
        if key.startswith("custom.") and len(key) < 60:
            filters[key] = value
    return filters


def storable_json(value) -> None:
    """PostgreSQL's jsonb cannot hold NUL characters or unpaired surrogates. DRF's CharField
    refuses them in plain text; free-form custom field values need the same check, or the
    database refuses the write with a 500."""
    def texts(item):
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, sub in item.items():
                yield str(key)
                yield from texts(sub)
        elif isinstance(item, (list, tuple)):
            for sub in item:
                yield from texts(sub)

    for text in texts(value):
        if "\x00" in text:
            raise serializers.ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
        if any("\ud800" <= char <= "\udfff" for char in text):
            raise serializers.ValidationError("Surrogate characters are not allowed.",
                                              code="surrogate_characters_not_allowed")


class CustomerWrite(serializers.Serializer):
    """Fields a client may write. Life-cycle fields (state, number, reviewers) are not here:
    they change only through the actions."""

    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    category = serializers.CharField(required=False, help_text="id or code")
    industry = ref_field()
    region = ref_field()
    customer_type = ref_field()
    cooperation_project = ref_field()
    grade = ref_field()
    department = ref_field()
    is_key_customer = serializers.BooleanField(required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    company_size = serializers.ChoiceField(choices=Customer.CompanySize.choices, required=False, allow_blank=True)
    legal_representative = serializers.CharField(max_length=100, required=False, allow_blank=True)
    trading_since = serializers.DateField(required=False, allow_null=True)
    first_contact_on = serializers.DateField(required=False, allow_null=True)
    assets = serializers.CharField(max_length=200, required=False, allow_blank=True)
    service_area = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sales_capacity = serializers.CharField(max_length=200, required=False, allow_blank=True)
    development_potential = serializers.CharField(max_length=200, required=False, allow_blank=True)
    business_policy = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    sales_performance = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    cooperation_attitude = serializers.CharField(max_length=200, required=False, allow_blank=True)
    competitor_relations = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    credit_status = serializers.CharField(max_length=200, required=False, allow_blank=True)
    trade_terms = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    past_credit_problems = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    contacts = ContactSerializer(many=True, required=False)
    custom_fields = serializers.DictField(required=False, validators=[storable_json],
                                         help_text="values by field key, validated per category")


def list_statement_key(user, filters: dict):
    """What the SQL of `selectors.customer_list(user=user, filters=filters)` depends on: the
    viewer's scope (selectors.visibility_key) and the filters. None — compile it every time —
    for a scope that is never kept, and for custom-field filters: whether one narrows to the
    files shown in clear depends on the company's masking policy, which may change."""
    scope = selectors.visibility_key(user)
    if scope is None or any(name.startswith("custom.") for name in filters):
        return None
    return "customer_list", scope, tuple(sorted(filters.items()))


class CustomerListApi(IdempotentMixin, APIView):
    class CreateInput(CustomerWrite):
        name = serializers.CharField(max_length=200)
        category = serializers.CharField(help_text="id or code")
        owner = serializers.IntegerField(
            required=False, min_value=1, help_text="user id of the responsible salesperson (default: you): someone "
            "of a department you belong to or manage (403 owner_not_assignable)")

    @extend_schema(parameters=[CustomerFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(CustomerListOutput, "CustomerPage"), **error_responses(*READ)},
                   operation_id="customer_list")
    def get(self, request):
        filters = parse_filters(request)
        paginator = CustomerPagination()
        # Rows as values, not model instances, and the page's SQL compiled once per viewer scope,
        # filters and cursor shape (api/archives/rows.py): same output, a fraction of the CPU.
        plan = plan_for(CustomerListOutput, fetched=selectors.LIST_FETCHED)
        rows = PreparedValues(Customer, lambda: selectors.customer_list(user=request.user, filters=filters)
                              .values(*plan.columns), key=list_statement_key(request.user, filters),
                              server_prepared=selectors.plan_independent_of_values(filters))
        page = paginator.paginate_queryset(rows, request, view=self)
        # The query log (查询记录): who searched for what, and which files the page showed.
        access_record(actor=request.user, action="list", customer_ids=[row["id"] for row in page],
                      query=filters, result_count=len(page), request=request)
        return paginator.get_paginated_response(plan.render_page(page))

    @extend_schema(request=CreateInput, responses={201: CustomerDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="customer_create")
    def post(self, request):
        data = self.CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "owner" in values:
            from dangan.accounts.models import User

            values["owner"] = User.objects.filter(pk=values["owner"], is_active=True).first()
            if values["owner"] is None:
                raise ApplicationError(archive_errors.FIELD_INVALID, field="owner", zh="没有该用户。", en="No such user.")
            customer_services.check_owner_assignable(request.user, values["owner"])
        customer = customer_services.customer_create(actor=request.user, **values)
        return Response(detail_data(request, visible_customer(request, customer.pk)), status=status.HTTP_201_CREATED)


class CustomerDetailApi(ConditionalMixin, IdempotentMixin, APIView):
    class UpdateInput(CustomerWrite):
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def get_etag_object(self, request, pk: int):
        if request.method in ("GET", "HEAD"):
            return visible_file_rendered(request, pk)  # reads need no model instance
        return visible_customer(request, pk)

    @extend_schema(parameters=[openapi.IF_NONE_MATCH],
                   responses={200: CustomerDetailOutput, 304: NOT_MODIFIED, **error_responses(*READ)},
                   operation_id="customer_detail")
    def get(self, request, pk: int):
        file = self.etag_instance
        access_record(actor=request.user, action="view", obj=("archives.customer", file.pk), customer_ids=[pk],
                      request=request)
        return Response(Masker(request.user).customer_output(file, file.data))

    @extend_schema(request=UpdateInput, parameters=[openapi.IF_MATCH, openapi.IDEMPOTENCY_KEY],
                   responses={200: inline_serializer("CustomerUpdateResult", {
                       "customer": CustomerDetailOutput(), "change_request": ChangeRequestOutput(allow_null=True)}),
                       **error_responses(*WRITE, 412)},
                   operation_id="customer_update")
    def patch(self, request, pk: int):
        if hasattr(request.data, "keys") and "owner" in request.data.keys():
            # A file changes hands through a handover, never by an edit.
            reject_protected_fields(["owner"], extra=["owner"])
        data = self.UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("reason", "")
        customer, change_request = customer_services.customer_update(
            actor=request.user, customer=self.etag_instance, data=values, reason=reason,
            expected_version=self.expected_version)
        customer = visible_customer(request, pk)
        return Response({"customer": detail_data(request, customer),
                         "change_request": Masker(request.user).change_request_output(
                             customer, ChangeRequestOutput(change_request).data) if change_request else None})


class _CustomerAction(ConditionalMixin, IdempotentMixin, APIView):
    """POST /customers/{id}/<action>/ — one life-cycle step (classes made by `_action`)."""

    conditional_methods = ("post",)
    needs_reason = False

    class ReasonInput(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def get_etag_object(self, request, pk: int):
        return visible_customer(request, pk)

    def run(self, request, pk: int):
        data = self.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = {"reason": data.validated_data["reason"]} if self.needs_reason else {}
        self.service(actor=request.user, customer=self.etag_instance, **kwargs)
        return Response(detail_data(request, visible_customer(request, pk)))


def _action(name: str, service, *, needs_reason: bool = False, doc: str):
    # A fresh `post` per class: the mixins wrap it exactly once, and its OpenAPI description
    # belongs to this action alone.
    def post(self, request, pk: int):
        return self.run(request, pk)

    post = extend_schema(
        request=_CustomerAction.ReasonInput if needs_reason else None,
        responses={200: CustomerDetailOutput, **error_responses(*WRITE, 412)},
        parameters=[openapi.IF_MATCH, openapi.IDEMPOTENCY_KEY], operation_id=f"customer_{name}", description=doc,
    )(post)
    return type(f"Customer{name.title()}Api", (_CustomerAction,), {
        "post": post, "service": staticmethod(service), "needs_reason": needs_reason, "__doc__": doc,
        "__module__": __name__})


CustomerSubmitApi = _action("submit", lifecycle.customer_submit, doc="Owner submits the file for review (审核).")
CustomerApproveApi = _action("approve", lifecycle.customer_approve, doc="The owner's supervisor approves.")
CustomerReturnApi = _action("return", lifecycle.customer_return, needs_reason=True,
                            doc="Return for correction, with the reason.")
CustomerFileApi = _action("file", lifecycle.customer_file, doc="A custodian files (归档) the approved file.")
CustomerReviewApi = _action("review", lifecycle.customer_mark_reviewed, doc="The periodic update is done.")
CustomerArchiveApi = _action("archive", lifecycle.customer_archive, needs_reason=True,
                             doc="Move a long-inactive file to archived; it stays searchable.")
CustomerReactivateApi = _action("reactivate", lifecycle.customer_reactivate, doc="Bring an archived file back.")


class CustomerHistoryApi(APIView):
    class Pagination(CursorPagination):
        ordering = ("-at", "-id")
        page_size = 100

    @extend_schema(responses={200: page_of(HistoryOutput, "HistoryPage"), **error_responses(*READ)},
                   operation_id="customer_history",
                   parameters=[OpenApiParameter("cursor", str)])
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        paginator = self.Pagination()
        page = paginator.paginate_queryset(selectors.customer_history(customer=customer), request, view=self)
        masker = Masker(request.user)
        return paginator.get_paginated_response([masker.history_output(customer, row)
                                                 for row in HistoryOutput(page, many=True).data])


class ChangeRequestListApi(APIView):
    @extend_schema(responses={200: ChangeRequestOutput(many=True), **error_responses()},
                   operation_id="change_request_list")
    def get(self, request):
        requests = selectors.pending_change_requests(user=request.user).select_related("decided_by", "customer")[:500]
        masker = Masker(request.user)
        return Response([masker.change_request_output(change_request.customer, ChangeRequestOutput(change_request).data)
                         for change_request in requests])


class _ChangeRequestDecision(IdempotentMixin, APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def change_request(self, request, pk: int) -> ChangeRequest:
        found = selectors.pending_change_requests(user=request.user).filter(pk=pk).first() \
            or ChangeRequest.objects.filter(pk=pk, customer__in=selectors.customers_visible_to(request.user)).first()
        if found is None:
            raise Http404
        return found


class ChangeRequestApproveApi(_ChangeRequestDecision):
    @extend_schema(request=_ChangeRequestDecision.InputSerializer,
                   responses={200: CustomerDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="change_request_approve")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = customer_services.change_request_approve(
            actor=request.user, change_request=self.change_request(request, pk), reason=data.validated_data["reason"])
        return Response(detail_data(request, visible_customer(request, customer.pk)))


class ChangeRequestRejectApi(_ChangeRequestDecision):
    @extend_schema(request=_ChangeRequestDecision.InputSerializer,
                   responses={200: ChangeRequestOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="change_request_reject")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = customer_services.change_request_reject(
            actor=request.user, change_request=self.change_request(request, pk), reason=data.validated_data["reason"])
        return Response(Masker(request.user).change_request_output(decided.customer, ChangeRequestOutput(decided).data))
