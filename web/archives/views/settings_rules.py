"""Settings of the tenant administrator: update cadences (档案更新周期), the numbering pattern of
each category (档案编号规则) with an example of the next number, and the archive settings
(creation deadline, inactivity, important fields). Writes go through
archives/services/configuration.py; the example number comes from archives/numbering.py."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangan.archives import numbering
from dangan.archives.models import ArchiveCategory, ArchiveSettings, CadenceRule
from dangan.archives.services import configuration as config
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors, admin_required, flash_error, found
from ..settings_documents_forms import ArchiveSettingsForm, CadenceRuleForm, NumberingPatternForm

SETTINGS_FIELDS = ("creation_deadline_days", "inactive_after_days", "important_fields")


# --- update cadences ------------------------------------------------------------------------------------

def _cadences_page(request, form=None, status=200):
    rules = CadenceRule.objects.select_related("grade", "category")
    return render(request, "archives/settings/cadences.html", {
        "rules": rules, "categories": ArchiveCategory.objects.exclude(review_interval_days=None),
        "form": form or CadenceRuleForm(), "active": "cadences"}, status=status)


@login_required
@admin_required
@require_GET
def cadences(request):
    return _cadences_page(request)


@login_required
@admin_required
@require_POST
def cadence_new(request):
    form = CadenceRuleForm(request.POST)
    if not form.is_valid():
        return _cadences_page(request, form, 400)
    try:
        rule = config.cadence_rule_create(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _cadences_page(request, form, 400)
    messages.success(request, _("更新周期规则“%(name)s”已创建；档案下次审核时按新规则排期。") % {"name": rule.name})
    return redirect("archives:settings-cadences")


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def cadence_edit(request, pk: int):
    rule = found(CadenceRule.objects.select_related("grade", "category").filter(pk=pk).first())
    form = CadenceRuleForm.for_rule(rule, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                config.cadence_rule_update(actor=request.user, rule=rule, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("更新周期规则已保存；档案下次审核时按新规则排期。"))
                return redirect("archives:settings-cadences")
        rule.refresh_from_db()
    return render(request, "archives/settings/cadence.html", {"rule": rule, "form": form, "active": "cadences"},
                  status=status)


@login_required
@admin_required
@require_POST
def cadence_remove(request, pk: int):
    rule = found(CadenceRule.objects.filter(pk=pk).first())
    try:
        config.cadence_rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("更新周期规则已删除。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("archives:settings-cadences")


# --- numbering and archive settings ------------------------------------------------------------------------

def _example(category: ArchiveCategory, pattern: str | None = None) -> tuple[str, str]:
    """(example number, error message): the next number the pattern would give, or why it cannot."""
    try:
        return numbering.preview_next_number(category=category, pattern=pattern), ""
    except ApplicationError as exc:
        return "", exc.localized()


def _numbering_page(request, form=None, status=200):
    stored = ArchiveSettings.load()
    rows = [(category, _example(category)[0]) for category in ArchiveCategory.objects.all()]
    return render(request, "archives/settings/numbering.html", {
        "rows": rows, "active": "numbering",
        "form": form or ArchiveSettingsForm(current=stored.important_fields,
                                            initial={name: getattr(stored, name) for name in SETTINGS_FIELDS})},
        status=status)


@login_required
@admin_required
@require_GET
def numbering_index(request):
    return _numbering_page(request)


@login_required
@admin_required
@require_POST
def archive_settings_save(request):
    form = ArchiveSettingsForm(request.POST, current=ArchiveSettings.load().important_fields)
    if not form.is_valid():
        return _numbering_page(request, form, 400)
    try:
        config.archive_settings_update(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _numbering_page(request, form, 400)
    messages.success(request, _("档案设置已保存。"))
    return redirect("archives:settings-numbering")


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def numbering_edit(request, pk: int):
    category = found(ArchiveCategory.objects.filter(pk=pk).first())
    form = NumberingPatternForm(request.POST if request.method == "POST" else None,
                                initial={"numbering_pattern": category.numbering_pattern})
    status = 200
    pattern = None
    if request.method == "POST":
        status = 400
        pattern = request.POST.get("numbering_pattern", "")
        if form.is_valid():
            try:
                config.category_update(actor=request.user, category=category, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("“%(name)s”的编号规则已保存；此后新建的档案按新规则编号，已有编号不变。")
                                 % {"name": category.name})
                return redirect("archives:settings-numbering")
    example, problem = _example(category, pattern)
    return render(request, "archives/settings/numbering_category.html", {
        "category": category, "form": form, "example": example, "problem": problem, "active": "numbering"},
        status=status)


@login_required
@admin_required
@require_GET
def numbering_preview(request, pk: int):
    """The example number for the pattern being typed (htmx swaps it in as the field changes)."""
    category = found(ArchiveCategory.objects.filter(pk=pk).first())
    example, problem = _example(category, request.GET.get("numbering_pattern", "")[:120])
    return render(request, "archives/settings/_number_example.html", {"example": example, "problem": problem})
