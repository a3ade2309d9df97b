"""Settings of the tenant administrator: document types (资料类型) and the required-document
checklists of each category (必备资料清单) with their items. Every write goes through
documents/services (documents.py, checklists.py), which validate, audit and queue the
recomputation of the files' completeness."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangan.archives.models import ArchiveCategory
from dangan.documents import selectors
from dangan.documents.models import Checklist, ChecklistItem, DocumentType
from dangan.documents.services import checklists as checklist_services
from dangan.documents.services.documents import document_type_create, document_type_update
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors, admin_required, flash_error, found
from ..settings_documents_forms import (
    ChecklistEditForm, ChecklistForm, ChecklistItemEditForm, ChecklistItemForm, DocumentTypeEditForm,
    DocumentTypeForm, condition_error_field, describe_condition, field_labels,
)


# --- document types ---------------------------------------------------------------------------------

def _types_page(request, form=None, status=200):
    return render(request, "archives/settings/document_types.html", {
        "types": selectors.document_types(include_inactive=True), "form": form or DocumentTypeForm(),
        "active": "document_types"}, status=status)


@login_required
@admin_required
@require_GET
def document_types(request):
    return _types_page(request)


@login_required
@admin_required
@require_POST
def document_type_new(request):
    form = DocumentTypeForm(request.POST)
    if not form.is_valid():
        return _types_page(request, form, 400)
    try:
        created = document_type_create(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _types_page(request, form, 400)
    messages.success(request, _("资料类型“%(name)s”已创建。") % {"name": created.name})
    return redirect("archives:settings-document-types")


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def document_type_edit(request, pk: int):
    document_type = found(DocumentType.objects.filter(pk=pk).first())
    form = DocumentTypeEditForm.for_type(document_type, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                document_type_update(actor=request.user, document_type=document_type, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("资料类型已保存。"))
                return redirect("archives:settings-document-types")
        document_type.refresh_from_db()  # the page shows what is stored, the form what was sent
    return render(request, "archives/settings/document_type.html", {
        "document_type": document_type, "form": form, "active": "document_types"}, status=status)


# --- checklists of a category --------------------------------------------------------------------------

def _with_conditions(checklist_list: list[Checklist], labels: dict[str, str]) -> list[Checklist]:
    """Each checklist and item gains `condition_text`, the condition in words."""
    for checklist in checklist_list:
        checklist.condition_text = describe_condition(checklist.condition, labels)
        for item in checklist.items.all():
            item.condition_text = describe_condition(item.condition, labels)
    return checklist_list


def _category_from(request) -> ArchiveCategory | None:
    value = request.GET.get("category", "")
    categories = ArchiveCategory.objects.all()
    if value.isascii() and value.isdigit():
        return found(categories.filter(pk=int(value)).first())
    return categories.first()


def _checklists_page(request, category, form=None, status=200):
    context = {"categories": ArchiveCategory.objects.all(), "category": category, "active": "checklists"}
    if category is not None:
        labels = field_labels(category)
        context.update({
            "checklists": _with_conditions(list(selectors.checklists_of(category_id=category.pk)), labels),
            "form": form or ChecklistForm(category=category)})
    return render(request, "archives/settings/checklists.html", context, status=status)


@login_required
@admin_required
@require_GET
def checklists(request):
    return _checklists_page(request, _category_from(request))


@login_required
@admin_required
@require_POST
def checklist_new(request, pk: int):
    category = found(ArchiveCategory.objects.filter(pk=pk).first())
    form = ChecklistForm(request.POST, category=category)
    if not form.is_valid():
        return _checklists_page(request, category, form, 400)
    try:
        checklist = checklist_services.checklist_create(actor=request.user, category=category,
                                                        **form.service_data())
    except ApplicationError as exc:
        add_service_errors(exc, form, field_map=condition_error_field)
        return _checklists_page(request, category, form, 400)
    messages.success(request, _("清单“%(name)s”已创建，请添加清单项。") % {"name": checklist.name})
    return redirect("archives:settings-checklist", pk=checklist.pk)


# --- one checklist: its settings and its items ------------------------------------------------------------

def _checklist(pk: int) -> Checklist:
    return found(selectors.checklists_of().filter(pk=pk).first())


def _checklist_page(request, checklist, form=None, item_form=None, status=200):
    labels = field_labels(checklist.category)
    _with_conditions([checklist], labels)
    return render(request, "archives/settings/checklist.html", {
        "checklist": checklist, "items": checklist.items.all(),
        "form": form or ChecklistEditForm.for_checklist(checklist),
        "item_form": item_form or ChecklistItemForm(category=checklist.category), "active": "checklists"},
        status=status)


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def checklist_detail(request, pk: int):
    checklist = _checklist(pk)
    if request.method == "GET":
        return _checklist_page(request, checklist)
    form = ChecklistEditForm.for_checklist(checklist, request.POST)
    if form.is_valid():
        try:
            checklist_services.checklist_update(actor=request.user, checklist=checklist, **form.service_data())
        except ApplicationError as exc:
            add_service_errors(exc, form, field_map=condition_error_field)
        else:
            messages.success(request, _("清单已保存；相关档案的完整度将在后台重新计算。"))
            return redirect("archives:settings-checklist", pk=checklist.pk)
    return _checklist_page(request, _checklist(pk), form=form, status=400)


@login_required
@admin_required
@require_POST
def checklist_item_new(request, pk: int):
    checklist = _checklist(pk)
    form = ChecklistItemForm(request.POST, category=checklist.category)
    if form.is_valid():
        try:
            checklist_services.checklist_item_create(actor=request.user, checklist=checklist, **form.service_data())
        except ApplicationError as exc:
            add_service_errors(exc, form, field_map=condition_error_field)
        else:
            messages.success(request, _("清单项已添加。"))
            return redirect("archives:settings-checklist", pk=checklist.pk)
    return _checklist_page(request, checklist, item_form=form, status=400)


def _item(pk: int) -> ChecklistItem:
    return found(ChecklistItem.objects.select_related("checklist__category", "document_type").filter(pk=pk).first())


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def checklist_item_edit(request, pk: int):
    item = _item(pk)
    form = ChecklistItemEditForm.for_item(item, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                checklist_services.checklist_item_update(actor=request.user, item=item, **form.service_data())
            except ApplicationError as exc:
                add_service_errors(exc, form, field_map=condition_error_field)
            else:
                messages.success(request, _("清单项已保存。"))
                return redirect("archives:settings-checklist", pk=item.checklist_id)
        item = _item(pk)
    item.condition_text = describe_condition(item.condition, field_labels(item.checklist.category))
    return render(request, "archives/settings/checklist_item.html", {
        "item": item, "checklist": item.checklist, "form": form, "active": "checklists"}, status=status)


@login_required
@admin_required
@require_POST
def checklist_item_remove(request, pk: int):
    item = _item(pk)
    try:
        checklist_services.checklist_item_delete(actor=request.user, item=item)
        messages.success(request, _("清单项已删除；已关联的资料保留其关联。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("archives:settings-checklist", pk=item.checklist_id)
