"""Settings of the tenant administrator: archive categories and their custom fields,
classification terms, departments and members. Every write goes through
archives/services/configuration.py, which refuses anyone but an administrator."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangan.archives.models import (
    ArchiveCategory, ClassificationScheme, ClassificationTerm, CustomFieldDefinition, Department,
)
from dangan.archives.models.categories import CustomerKind
from dangan.archives.services import configuration as config
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors, admin_required, flash_error, found
from ..settings_forms import (
    CategoryForm, CategoryKindForm, DepartmentForm, FieldForm, FieldLabelForm, MembersForm, TermForm, TermNameForm,
)


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, context, status=status)


# --- categories and custom fields ----------------------------------------------------------------

def _index(request, form=None, status=200):
    categories = ArchiveCategory.objects.prefetch_related("fields")
    return _page(request, "archives/settings/index.html",
                 {"categories": categories, "form": form or CategoryForm(), "active": "categories"}, status)


@login_required
@admin_required
@require_GET
def settings_index(request):
    return _index(request)


@login_required
@admin_required
@require_POST
def category_create(request):
    form = CategoryForm(request.POST)
    if not form.is_valid():
        return _index(request, form, 400)
    try:
        category = config.category_create(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _index(request, form, 400)
    messages.success(request, _("档案类别“%(name)s”已创建，可以为它添加字段。") % {"name": category.name})
    return redirect("archives:settings-category", pk=category.pk)


def _category_page(request, category, form=None, status=200):
    return _page(request, "archives/settings/category.html", {
        "category": category, "fields": category.fields.all(), "form": form or FieldForm(),
        "label_form": FieldLabelForm(), "kind_choices": CustomerKind.choices, "active": "categories"}, status)


@login_required
@admin_required
@require_GET
def category_detail(request, pk: int):
    return _category_page(request, found(ArchiveCategory.objects.filter(pk=pk).first()))


@login_required
@admin_required
@require_POST
def category_kind(request, pk: int):
    category = found(ArchiveCategory.objects.filter(pk=pk).first())
    form = CategoryKindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择个人或企业。"))
        return redirect("archives:settings-category", pk=category.pk)
    config.category_update(actor=request.user, category=category, **form.cleaned_data)
    messages.success(request, _("“%(name)s”的默认客户类型已保存。") % {"name": category.name})
    return redirect("archives:settings-category", pk=category.pk)


@login_required
@admin_required
@require_POST
def field_create(request, pk: int):
    category = found(ArchiveCategory.objects.filter(pk=pk).first())
    form = FieldForm(request.POST)
    if not form.is_valid():
        return _category_page(request, category, form, 400)
    try:
        definition = config.field_define(actor=request.user, category=category, **form.service_data())
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _category_page(request, category, form, 400)
    messages.success(request, _("字段“%(label)s”已添加。") % {"label": definition.label})
    return redirect("archives:settings-category", pk=category.pk)


@login_required
@admin_required
@require_POST
def field_rename(request, pk: int):
    definition = found(CustomFieldDefinition.objects.filter(pk=pk).first())
    form = FieldLabelForm(request.POST)
    if form.is_valid():
        try:
            config.field_update(actor=request.user, definition=definition, label=form.cleaned_data["label"])
            messages.success(request, _("字段名称已修改；已存数据不受影响。"))
        except ApplicationError as exc:
            flash_error(request, exc)
    else:
        messages.error(request, _("请输入新名称。"))
    return redirect("archives:settings-category", pk=definition.category_id)


@login_required
@admin_required
@require_POST
def field_deactivate(request, pk: int):
    definition = found(CustomFieldDefinition.objects.filter(pk=pk).first())
    try:
        config.field_deactivate(actor=request.user, definition=definition)
        messages.success(request, _("字段已停用；档案中已有的值仍然保留。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("archives:settings-category", pk=definition.category_id)


# --- classification terms ------------------------------------------------------------------------

def _classification_page(request, bound=None, status=200):
    """`bound`: (scheme code, form with errors) to show again under its scheme."""
    schemes = ClassificationScheme.objects.prefetch_related("terms")
    forms = {scheme.code: TermForm(prefix=scheme.code) for scheme in schemes}
    if bound:
        forms[bound[0]] = bound[1]
    return _page(request, "archives/settings/classification.html", {
        "schemes": [(scheme, forms[scheme.code]) for scheme in schemes], "rename_form": TermNameForm(),
        "active": "classification"}, status)


@login_required
@admin_required
@require_GET
def classification(request):
    return _classification_page(request)


@login_required
@admin_required
@require_POST
def term_create(request, code: str):
    scheme = found(ClassificationScheme.objects.filter(code=code).first())
    form = TermForm(request.POST, prefix=scheme.code)
    if not form.is_valid():
        return _classification_page(request, (scheme.code, form), 400)
    try:
        config.term_create(actor=request.user, scheme=scheme, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _classification_page(request, (scheme.code, form), 400)
    messages.success(request, _("分类项已添加。"))
    return redirect("archives:settings-classification")


@login_required
@admin_required
@require_POST
def term_rename(request, pk: int):
    term = found(ClassificationTerm.objects.filter(pk=pk).first())
    form = TermNameForm(request.POST)
    if form.is_valid():
        try:
            config.term_update(actor=request.user, term=term, name=form.cleaned_data["name"])
            messages.success(request, _("分类项已改名；已分类的档案随之更新。"))
        except ApplicationError as exc:
            flash_error(request, exc)
    else:
        messages.error(request, _("请输入新名称。"))
    return redirect("archives:settings-classification")


# --- departments and members ---------------------------------------------------------------------

def _departments_page(request, form=None, status=200):
    departments = Department.objects.select_related("manager", "parent").prefetch_related("members")
    rows = [(d, MembersForm(prefix=f"d{d.pk}", initial={"members": list(d.members.all()), "manager": d.manager}))
            for d in departments]
    return _page(request, "archives/settings/departments.html",
                 {"departments": rows, "form": form or DepartmentForm(), "active": "departments"}, status)


@login_required
@admin_required
@require_GET
def departments(request):
    return _departments_page(request)


@login_required
@admin_required
@require_POST
def department_create(request):
    form = DepartmentForm(request.POST)
    if not form.is_valid():
        return _departments_page(request, form, 400)
    try:
        config.department_create(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _departments_page(request, form, 400)
    messages.success(request, _("部门已创建。"))
    return redirect("archives:settings-departments")


@login_required
@admin_required
@require_POST
def department_members(request, pk: int):
    department = found(Department.objects.filter(pk=pk).first())
    form = MembersForm(request.POST, prefix=f"d{department.pk}")
    if form.is_valid():
        try:
            config.department_set_members(actor=request.user, department=department,
                                          members=list(form.cleaned_data["members"]),
                                          manager=form.cleaned_data["manager"])
            messages.success(request, _("部门成员已更新。"))
        except ApplicationError as exc:
            flash_error(request, exc)
    else:
        messages.error(request, _("所选用户无效。"))
    return redirect("archives:settings-departments")
