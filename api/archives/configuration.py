"""The company's archive configuration over REST: categories and custom fields, classification
schemes and terms, departments, review cadences, archive settings, the archive register
(folders and volumes), and the signed-in user's notifications.

Every company user may read the configuration (forms need it). Who may change it is the
services' rule (archives/services/configuration.py: tenant administrators; volumes also
custodians), answered with 403 — the views do not repeat it."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.accounts.models import User
from dangan.archives import errors, selectors
from dangan.archives.models import (
    ArchiveCategory, ArchiveSettings, ArchiveVolume, CadenceRule, ClassificationScheme, ClassificationTerm,
    CustomFieldDefinition, CustomFieldType, Department, Notification,
)
from dangan.archives.models.categories import CustomerKind
from dangan.archives.services import configuration as config
from dangan.archives.services import lifecycle, notifications
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin
from dangan.platform.errors import ApplicationError

from .customers import page_of
from .serializers import (
    READ, WRITE, ArchiveSettingsOutput, CadenceRuleOutput, CategoryOutput, ChoiceOption, CustomFieldOutput,
    DepartmentOutput, NotificationOutput, SchemeOutput, TermDetailOutput, VolumeOutput, error_responses,
)

MAX_ASSIGN = 1000  # customers per register assignment: one request, one short transaction
MAX_MEMBERS = 1000


def get_or_404(queryset, **lookup):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def reference(queryset, pk: int | None, *, field: str):
    """An id the client sent in the body: unknown ids are a field error (400), not a 404."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ApplicationError(errors.FIELD_INVALID, field=field, zh="所选对象不存在。", en="No such object.")
    return found


def optional_id(**kwargs):
    return serializers.IntegerField(required=False, allow_null=True, min_value=1, **kwargs)


def active_users():
    return User.objects.filter(is_active=True)


def writing(status_code: int = 200, output=None, *extra: int):
    return {status_code: output, **error_responses(*WRITE, *extra)}


# --- categories and custom fields ---------------------------------------------------------------

class CategoryListApi(IdempotentMixin, APIView):
    class CategoryCreateInput(serializers.Serializer):
        code = serializers.SlugField(max_length=30, help_text="part of archive numbers ({category}); never changes")
        name = serializers.CharField(max_length=100)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        numbering_pattern = serializers.CharField(max_length=120, required=False,
                                                  help_text="e.g. {category}-{region}-{yyyy}-{seq:05}")
        review_interval_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3650)
        default_kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False,
                                               help_text="what a new file of the category is when `kind` is not given")
        is_active = serializers.BooleanField(required=False)
        sort = serializers.IntegerField(required=False, min_value=0, max_value=100_000)

    @extend_schema(responses={200: CategoryOutput(many=True), **error_responses()}, operation_id="category_list")
    def get(self, request):
        return Response(CategoryOutput(ArchiveCategory.objects.all(), many=True).data)

    @extend_schema(request=CategoryCreateInput, responses=writing(201, CategoryOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="category_create")
    def post(self, request):
        data = self.CategoryCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = config.category_create(actor=request.user, **data.validated_data)
        return Response(CategoryOutput(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailApi(IdempotentMixin, APIView):
    class CategoryUpdateInput(CategoryListApi.CategoryCreateInput):
        code = None  # part of every number already issued: it never changes

    @extend_schema(responses={200: CategoryOutput, **error_responses(404)}, operation_id="category_detail")
    def get(self, request, pk: int):
        return Response(CategoryOutput(get_or_404(ArchiveCategory.objects, pk=pk)).data)

    @extend_schema(request=CategoryUpdateInput, responses=writing(200, CategoryOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="category_update")
    def patch(self, request, pk: int):
        category = get_or_404(ArchiveCategory.objects, pk=pk)
        data = self.CategoryUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        category = config.category_update(actor=request.user, category=category, **data.validated_data)
        return Response(CategoryOutput(category).data)


class FieldWrite(serializers.Serializer):
    label = serializers.CharField(max_length=100)
    field_type = serializers.ChoiceField(choices=CustomFieldType.choices)
    required = serializers.BooleanField(required=False)
    searchable = serializers.BooleanField(required=False)
    choices = ChoiceOption(many=True, required=False, help_text="for choice and multi_choice fields")
    help_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sort = serializers.IntegerField(required=False, min_value=0, max_value=100_000)


class CategoryFieldListApi(IdempotentMixin, APIView):
    class FieldCreateInput(FieldWrite):
        key = serializers.SlugField(max_length=50, help_text="stored values follow the key; it never changes")

    @extend_schema(responses={200: CustomFieldOutput(many=True), **error_responses(404)},
                   operation_id="custom_field_list")
    def get(self, request, pk: int):
        category = get_or_404(ArchiveCategory.objects, pk=pk)
        return Response(CustomFieldOutput(category.fields.all(), many=True).data)

    @extend_schema(request=FieldCreateInput, responses=writing(201, CustomFieldOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="custom_field_create")
    def post(self, request, pk: int):
        category = get_or_404(ArchiveCategory.objects, pk=pk)
        data = self.FieldCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        definition = config.field_define(actor=request.user, category=category, **data.validated_data)
        return Response(CustomFieldOutput(definition).data, status=status.HTTP_201_CREATED)


class FieldDetailApi(IdempotentMixin, APIView):
    @extend_schema(request=FieldWrite, responses=writing(200, CustomFieldOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="custom_field_update",
                   description="Labels, help and order change freely; a change of type or choices is refused "
                   "(409 custom_field_change_conflict) while stored values would no longer be valid.")
    def patch(self, request, pk: int):
        definition = get_or_404(CustomFieldDefinition.objects.select_related("category"), pk=pk)
        data = FieldWrite(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        definition = config.field_update(actor=request.user, definition=definition, **data.validated_data)
        return Response(CustomFieldOutput(definition).data)


class FieldDeactivateApi(IdempotentMixin, APIView):
    @extend_schema(request=None, responses=writing(200, CustomFieldOutput), parameters=[openapi.IDEMPOTENCY_KEY],
                   operation_id="custom_field_deactivate",
                   description="The field stops being asked for; values files already hold are kept.")
    def post(self, request, pk: int):
        definition = get_or_404(CustomFieldDefinition.objects, pk=pk)
        definition = config.field_deactivate(actor=request.user, definition=definition)
        return Response(CustomFieldOutput(definition).data)


# --- classification schemes and terms ----------------------------------------------------------

class SchemeListApi(IdempotentMixin, APIView):
    class SchemeCreateInput(serializers.Serializer):
        code = serializers.SlugField(max_length=50)
        name = serializers.CharField(max_length=100)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(responses={200: SchemeOutput(many=True), **error_responses()}, operation_id="scheme_list")
    def get(self, request):
        schemes = ClassificationScheme.objects.prefetch_related("terms")
        return Response(SchemeOutput(schemes, many=True).data)

    @extend_schema(request=SchemeCreateInput, responses=writing(201, SchemeOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="scheme_create")
    def post(self, request):
        data = self.SchemeCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        scheme = config.scheme_create(actor=request.user, **data.validated_data)
        return Response(SchemeOutput(scheme).data, status=status.HTTP_201_CREATED)


class TermCreateApi(IdempotentMixin, APIView):
    class TermCreateInput(serializers.Serializer):
        code = serializers.CharField(max_length=50)
        name = serializers.CharField(max_length=100)
        parent = optional_id(help_text="id of a term of the same scheme")
        sort = serializers.IntegerField(required=False, min_value=0, max_value=100_000)

    @extend_schema(request=TermCreateInput, responses=writing(201, TermDetailOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="term_create")
    def post(self, request, code: str):
        scheme = get_or_404(ClassificationScheme.objects, code=code)
        data = self.TermCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["parent"] = reference(ClassificationTerm.objects, values.pop("parent", None), field="parent")
        term = config.term_create(actor=request.user, scheme=scheme, **values)
        return Response(TermDetailOutput(term).data, status=status.HTTP_201_CREATED)


class TermDetailApi(IdempotentMixin, APIView):
    class TermUpdateInput(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        sort = serializers.IntegerField(required=False, min_value=0, max_value=100_000)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(request=TermUpdateInput, responses=writing(200, TermDetailOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="term_update",
                   description="Renaming keeps every customer's classification (they point at the term).")
    def patch(self, request, pk: int):
        term = get_or_404(ClassificationTerm.objects, pk=pk)
        data = self.TermUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        term = config.term_update(actor=request.user, term=term, **data.validated_data)
        return Response(TermDetailOutput(term).data)


# --- departments -------------------------------------------------------------------------------

def departments():
    return Department.objects.select_related("manager").prefetch_related("members")


class DepartmentListApi(IdempotentMixin, APIView):
    class DepartmentCreateInput(serializers.Serializer):
        code = serializers.CharField(max_length=50)
        name = serializers.CharField(max_length=100)
        parent = optional_id(help_text="id of the parent department")
        manager = optional_id(help_text="user id")

    @extend_schema(responses={200: DepartmentOutput(many=True), **error_responses()}, operation_id="department_list",
                   description="Every department with its parent id: the tree, flattened in display order.")
    def get(self, request):
        return Response(DepartmentOutput(departments(), many=True).data)

    @extend_schema(request=DepartmentCreateInput, responses=writing(201, DepartmentOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="department_create")
    def post(self, request):
        data = self.DepartmentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["parent"] = reference(Department.objects, values.pop("parent", None), field="parent")
        values["manager"] = reference(active_users(), values.pop("manager", None), field="manager")
        department = config.department_create(actor=request.user, **values)
        return Response(DepartmentOutput(departments().get(pk=department.pk)).data, status=status.HTTP_201_CREATED)


class DepartmentMembersApi(IdempotentMixin, APIView):
    class MembersInput(serializers.Serializer):
        members = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=MAX_MEMBERS,
                                        help_text="user ids: the complete new membership")
        manager = optional_id(help_text="user id; omitted or null keeps the current manager")

    @extend_schema(request=MembersInput, responses=writing(200, DepartmentOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="department_set_members")
    def put(self, request, pk: int):
        department = get_or_404(Department.objects, pk=pk)
        data = self.MembersInput(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = set(data.validated_data["members"])
        members = list(active_users().filter(pk__in=wanted))
        if len(members) != len(wanted):
            missing = sorted(wanted - {member.pk for member in members})
            raise ApplicationError(errors.FIELD_INVALID, field="members", zh=f"没有这些用户：{missing}",
                                   en=f"No such users: {missing}")
        manager = reference(active_users(), data.validated_data.get("manager"), field="manager")
        config.department_set_members(actor=request.user, department=department, members=members, manager=manager)
        return Response(DepartmentOutput(departments().get(pk=pk)).data)


# --- review cadences and archive settings ------------------------------------------------------

class CadenceRuleListApi(IdempotentMixin, APIView):
    class CadenceRuleCreateInput(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        interval_days = serializers.IntegerField(min_value=1, max_value=3650)
        is_key_customer = serializers.BooleanField(required=False, allow_null=True, default=None)
        grade = optional_id(help_text="id of a term of the grade scheme")
        category = optional_id(help_text="id of an archive category")

    @extend_schema(responses={200: CadenceRuleOutput(many=True), **error_responses()},
                   operation_id="cadence_rule_list")
    def get(self, request):
        return Response(CadenceRuleOutput(CadenceRule.objects.select_related("grade", "category"), many=True).data)

    @extend_schema(request=CadenceRuleCreateInput, responses=writing(201, CadenceRuleOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="cadence_rule_create",
                   description="A rule applies to key customers, a grade and/or a category; the strictest "
                   "applicable interval wins.")
    def post(self, request):
        data = self.CadenceRuleCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["grade"] = reference(ClassificationTerm.objects.filter(scheme__code=ClassificationScheme.GRADE),
                                    values.pop("grade", None), field="grade")
        values["category"] = reference(ArchiveCategory.objects, values.pop("category", None), field="category")
        rule = config.cadence_rule_create(actor=request.user, **values)
        return Response(CadenceRuleOutput(rule).data, status=status.HTTP_201_CREATED)


class ArchiveSettingsApi(IdempotentMixin, APIView):
    class SettingsUpdateInput(serializers.Serializer):
        creation_deadline_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
        important_fields = serializers.ListField(child=serializers.CharField(max_length=80), max_length=100,
                                                 required=False, help_text="changes to these wait for a supervisor")
        inactive_after_days = serializers.IntegerField(required=False, min_value=1, max_value=36500)

    @extend_schema(responses={200: ArchiveSettingsOutput, **error_responses()}, operation_id="archive_settings")
    def get(self, request):
        return Response(ArchiveSettingsOutput(ArchiveSettings.load()).data)

    @extend_schema(request=SettingsUpdateInput, responses=writing(200, ArchiveSettingsOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="archive_settings_update")
    def patch(self, request):
        data = self.SettingsUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ArchiveSettingsOutput(config.archive_settings_update(actor=request.user,
                                                                             **data.validated_data)).data)


# --- the archive register: folders and volumes -------------------------------------------------

class VolumePagination(CursorPagination):
    ordering = ("code",)  # the register reads in code order; codes are unique
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class VolumeListApi(IdempotentMixin, APIView):
    class VolumeCreateInput(serializers.Serializer):
        code = serializers.CharField(max_length=60)
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=ArchiveVolume.Kind.choices, required=False)
        category = optional_id(help_text="id of an archive category")
        year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2999)
        location = serializers.CharField(max_length=200, required=False, allow_blank=True)
        custodian = optional_id(help_text="user id")
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(VolumeOutput, "VolumePage"), **error_responses(*READ)},
                   operation_id="volume_list", description="The archive register (档案登记簿), with file counts.")
    def get(self, request):
        paginator = VolumePagination()
        page = paginator.paginate_queryset(selectors.archive_register(), request, view=self)
        return paginator.get_paginated_response(VolumeOutput(page, many=True).data)

    @extend_schema(request=VolumeCreateInput, responses=writing(201, VolumeOutput),
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="volume_create")
    def post(self, request):
        data = self.VolumeCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["category"] = reference(ArchiveCategory.objects, values.pop("category", None), field="category")
        values["custodian"] = reference(active_users(), values.pop("custodian", None), field="custodian")
        volume = config.volume_create(actor=request.user, **values)
        return Response(VolumeOutput(selectors.archive_register().get(pk=volume.pk)).data,
                        status=status.HTTP_201_CREATED)


class VolumeAssignApi(IdempotentMixin, APIView):
    class AssignInput(serializers.Serializer):
        customers = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1,
                                          max_length=MAX_ASSIGN, help_text="customer ids")

    @extend_schema(request=AssignInput, parameters=[openapi.IDEMPOTENCY_KEY], operation_id="volume_assign",
                   responses=writing(200, inline_serializer("VolumeAssignResult", {
                       "volume": VolumeOutput(), "assigned": serializers.IntegerField()})),
                   description="Register files in this folder / volume (a file is in one at a time).")
    def post(self, request, pk: int):
        volume = get_or_404(ArchiveVolume.objects, pk=pk)
        data = self.AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = set(data.validated_data["customers"])
        # Only files the caller may see: an unknown and an invisible id look the same.
        customers = list(selectors.customers_visible_to(request.user).filter(pk__in=wanted))
        if len(customers) != len(wanted):
            missing = sorted(wanted - {customer.pk for customer in customers})
            raise ApplicationError(errors.FIELD_INVALID, field="customers", zh=f"没有这些客户档案：{missing}",
                                   en=f"No such customer files: {missing}")
        assigned = config.volume_assign(actor=request.user, volume=volume, customers=customers)
        return Response({"volume": VolumeOutput(selectors.archive_register().get(pk=pk)).data, "assigned": assigned})


# --- notifications of the signed-in user -------------------------------------------------------

class NotificationListApi(APIView):
    class NotificationFilter(serializers.Serializer):
        unread = serializers.BooleanField(required=False, allow_null=True, default=None,
                                          help_text="true: only unread; false: only read")

    class Pagination(CursorPagination):
        ordering = ("-created_at", "-id")
        page_size = 50
        page_size_query_param = "page_size"
        max_page_size = 200

    @extend_schema(parameters=[NotificationFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(NotificationOutput, "NotificationPage"), **error_responses(*READ)},
                   operation_id="notification_list")
    def get(self, request):
        filters = self.NotificationFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notifications = Notification.objects.filter(recipient=request.user).select_related("customer")
        unread = filters.validated_data.get("unread")
        if unread is not None:
            notifications = notifications.filter(read_at__isnull=unread)
        paginator = self.Pagination()
        page = paginator.paginate_queryset(notifications, request, view=self)
        return paginator.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationReadApi(IdempotentMixin, APIView):
    @extend_schema(request=None, responses=writing(200, NotificationOutput), parameters=[openapi.IDEMPOTENCY_KEY],
                   operation_id="notification_read")
    def post(self, request, pk: int):
        # Someone else's notification does not exist for you (404, not 403).
        notification = get_or_404(Notification.objects.select_related("customer"), pk=pk, recipient=request.user)
        notification = lifecycle.notification_mark_read(actor=request.user, notification=notification)
        return Response(NotificationOutput(notification).data)


class NotificationReadAllApi(IdempotentMixin, APIView):
    @extend_schema(request=None, parameters=[openapi.IDEMPOTENCY_KEY], operation_id="notification_read_all",
                   responses=writing(200, inline_serializer("NotificationsMarked", {
                       "marked": serializers.IntegerField(help_text="how many were unread")})),
                   description="Mark every unread notification of the caller read.")
    def post(self, request):
        return Response({"marked": notifications.mark_all_read(actor=request.user)})
