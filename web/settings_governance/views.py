"""The administrator's governance settings (设置 › 密级与人员密级, 敏感信息显示, 借阅规则).

Every write goes through governance/services (confidentiality.py, masking.py, borrowing.py),
which refuse anyone but a tenant administrator and record the change in the audit chain in the
same transaction; `admin_required` only spares others a page that could never work for them.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangan.accounts.selectors import company_user, company_users
from dangan.archives.models import CustomFieldDefinition
from dangan.governance import masking, selectors
from dangan.governance.models import ConfidentialityLevel, MaskingPolicy
from dangan.governance.services import borrowing, confidentiality
from dangan.governance.services.masking import masking_policy_update
from dangan.platform.errors import ApplicationError

from ..common import add_service_errors, admin_required, flash_error, found
from .forms import (BorrowingPolicyForm, ClearanceForm, ConfidentialityPolicyForm, LevelCreateForm, LevelEditForm,
                    MaskingPolicyForm, ReasonForm)

HOME = "settings_governance:confidentiality"


def _role_field(key: str) -> str:
    # Services name a role of a list as "approver_roles.<n>"; the form has one field for the list.
    return key.split(".", 1)[0]


# --- confidentiality: levels, the access-request policy, clearances ---------------------------------

def _policy_form():
    policy = selectors.confidentiality_policy()
    return ConfidentialityPolicyForm(initial={"approver_roles": list(policy.approver_roles),
                                              "max_grant_days": policy.max_grant_days})


def _confidentiality_page(request, *, level_form=None, policy_form=None, clearance_form=None, revoke=None,
                          status=200):
    """`revoke` is (user pk, bound ReasonForm) when a revocation was refused, to show its error
    on the row it concerns; every other row gets an empty form of its own."""
    levels = list(selectors.confidentiality_levels())
    by_code = {level.code: level for level in levels}
    refused_pk, refused_form = revoke or (None, None)
    cleared = [(person, by_code.get(person.clearance),
                refused_form if person.pk == refused_pk else _revoke_form(person.pk))
               for person in company_users().exclude(clearance="")]
    return render(request, "settings_governance/confidentiality.html", {
        "levels": levels, "cleared": cleared, "policy": selectors.confidentiality_policy(),
        "level_form": level_form or LevelCreateForm(), "policy_form": policy_form or _policy_form(),
        "clearance_form": clearance_form or ClearanceForm(), "revoke_user": refused_pk,
        "active": "confidentiality"}, status=status)


def _revoke_form(user_pk: int, data=None) -> ReasonForm:
    # One form per row of the list: ids unique on the page, so each label names its own box.
    return ReasonForm(data, auto_id=f"id_revoke_{user_pk}_%s")


@login_required
@admin_required
@require_GET
def confidentiality_settings(request):
    return _confidentiality_page(request)


@login_required
@admin_required
@require_POST
def level_create(request):
    form = LevelCreateForm(request.POST)
    if not form.is_valid():
        return _confidentiality_page(request, level_form=form, status=400)
    try:
        level = confidentiality.level_create(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _confidentiality_page(request, level_form=form, status=400)
    messages.success(request, _("密级“%(name)s”已添加。") % {"name": level.name})
    return redirect(HOME)


def _level_page(request, level, form=None, status=200):
    initial = {name: getattr(level, name) for name in ("name", "rank", "requires_approval", "description")}
    return render(request, "settings_governance/level.html", {
        "level": level, "form": form or LevelEditForm(initial=initial), "active": "confidentiality"}, status=status)


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def level_edit(request, pk: int):
    level = found(ConfidentialityLevel.objects.filter(pk=pk).first())
    if request.method != "POST":
        return _level_page(request, level)
    form = LevelEditForm(request.POST)
    if not form.is_valid():
        return _level_page(request, level, form, 400)
    try:
        level = confidentiality.level_update(actor=request.user, level=level, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _level_page(request, level, form, 400)
    messages.success(request, _("密级“%(name)s”已保存。") % {"name": level.name})
    return redirect(HOME)


@login_required
@admin_required
@require_POST
def level_delete(request, pk: int):
    level = found(ConfidentialityLevel.objects.filter(pk=pk).first())
    try:
        confidentiality.level_delete(actor=request.user, level=level)
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect("settings_governance:level", pk=level.pk)
    messages.success(request, _("密级“%(name)s”已删除。") % {"name": level.name})
    return redirect(HOME)


@login_required
@admin_required
@require_POST
def confidentiality_policy_save(request):
    form = ConfidentialityPolicyForm(request.POST)
    if not form.is_valid():
        return _confidentiality_page(request, policy_form=form, status=400)
    try:
        confidentiality.policy_set(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form, field_map=_role_field)
        return _confidentiality_page(request, policy_form=form, status=400)
    messages.success(request, _("密级查阅规则已保存。"))
    return redirect(HOME)


@login_required
@admin_required
@require_POST
def clearance_grant(request):
    form = ClearanceForm(request.POST)
    if not form.is_valid():
        return _confidentiality_page(request, clearance_form=form, status=400)
    person = found(company_user(pk=form.cleaned_data["user"]))
    try:
        level = confidentiality.level_by_code(form.cleaned_data["level"])
        confidentiality.clearance_set(actor=request.user, user=person, level=level,
                                      reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _confidentiality_page(request, clearance_form=form, status=400)
    messages.success(request, _("%(name)s 的人员密级已设为“%(level)s”。") % {"name": person.full_name,
                                                                      "level": level.name})
    return redirect(HOME)


@login_required
@admin_required
@require_POST
def clearance_revoke(request, user_pk: int):
    person = found(company_user(pk=user_pk))
    form = _revoke_form(person.pk, request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        confidentiality.clearance_set(actor=request.user, user=person, level=None, reason=reason)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _confidentiality_page(request, revoke=(person.pk, form), status=400)
    messages.success(request, _("已收回 %(name)s 的人员密级。") % {"name": person.full_name})
    return redirect(HOME)


# --- masking ---------------------------------------------------------------------------------------

# Kinds of sensitive value (governance/masking.py), as the page names them.
KIND_LABELS = {masking.ID_NUMBER: gettext_lazy("证件号码"), masking.PHONE: gettext_lazy("电话"),
               masking.ACCOUNT: gettext_lazy("银行账号")}


def _sensitive_custom_fields() -> list[dict]:
    """The company's custom fields that masking covers, by the same test the masker applies."""
    rows = []
    for definition in CustomFieldDefinition.objects.select_related("category").order_by(
            "category__sort", "category_id", "sort", "pk"):
        kind = masking.definition_kind(definition.field_type, definition.key, definition.label)
        if kind:
            rows.append({"category": definition.category.name, "label": definition.label,
                         "kind": KIND_LABELS[kind], "active": definition.is_active})
    return rows


def _masking_page(request, form=None, status=200):
    policy = MaskingPolicy.load()
    initial = {"clear_roles": policy.clear_roles, "reveal_roles": policy.reveal_roles,
               "owner_sees_clear": policy.owner_sees_clear}
    return render(request, "settings_governance/masking.html", {
        "form": form or MaskingPolicyForm(initial=initial), "custom_fields": _sensitive_custom_fields(),
        "example_id": masking.mask("110101199003071234", masking.ID_NUMBER),
        "example_phone": masking.mask("13812345678", masking.PHONE),
        "example_account": masking.mask("6222021234567891234", masking.ACCOUNT),
        "active": "masking"}, status=status)


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def masking_settings(request):
    if request.method != "POST":
        return _masking_page(request)
    form = MaskingPolicyForm(request.POST)
    if not form.is_valid():
        return _masking_page(request, form, 400)
    try:
        masking_policy_update(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _masking_page(request, form, 400)
    messages.success(request, _("敏感信息显示规则已保存。"))
    return redirect("settings_governance:masking")


# --- borrowing -------------------------------------------------------------------------------------

def _borrowing_page(request, form=None, status=200):
    policy = borrowing.borrowing_policy()
    return render(request, "settings_governance/borrowing.html", {
        "form": form or BorrowingPolicyForm(initial=policy),
        "classified_approvers": borrowing.classified_approver_roles(), "active": "borrowing"}, status=status)


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def borrowing_settings(request):
    if request.method != "POST":
        return _borrowing_page(request)
    form = BorrowingPolicyForm(request.POST)
    if not form.is_valid():
        return _borrowing_page(request, form, 400)
    try:
        borrowing.borrowing_policy_set(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form, field_map=_role_field)
        return _borrowing_page(request, form, 400)
    messages.success(request, _("借阅规则已保存，此后提交的借阅申请按新规则办理。"))
    return redirect("settings_governance:borrowing")
