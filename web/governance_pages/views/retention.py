"""Retention rules and the destruction approval chain (settings of the administrator), and
legal holds (法律保全). Writes go through governance/services/retention.py and disposition.py."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangan.accounts import roles
from dangan.archives.selectors import customers_visible_to
from dangan.governance import selectors
from dangan.governance.models import LegalHold
from dangan.governance.services import disposition, retention
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors, admin_required, flash_error, found
from ..access import gate, may_see_holds
from ..forms import ChainForm, HoldForm, ReasonForm, RetentionRuleForm

HOLD_LIMIT = 500


# --- retention rules and the approval chain (administrators) ----------------------------------------

def _rules_page(request, form=None, chain_form=None, status=200):
    return render(request, "governance_pages/retention_rules.html", {
        "rules": selectors.retention_rules(), "form": form or RetentionRuleForm(),
        "chain_form": chain_form or ChainForm.for_steps(disposition.chain_steps()), "active": "retention"},
        status=status)


@login_required
@admin_required
@require_GET
def retention_rules(request):
    return _rules_page(request)


@login_required
@admin_required
@require_POST
def retention_rule_save(request):
    form = RetentionRuleForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, form=form, status=400)
    try:
        rule = retention.retention_rule_save(actor=request.user, **form.service_data())
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _rules_page(request, form=form, status=400)
    messages.success(request, _("保管期限规则“%(name)s”已保存，相关档案的保管期限已重新计算。") % {"name": rule.name})
    return redirect("governance_pages:settings-retention")


@login_required
@admin_required
@require_POST
def chain_save(request):
    form = ChainForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, chain_form=form, status=400)
    try:
        disposition.disposition_chain_set(actor=request.user, steps=form.steps())
    except ApplicationError as exc:
        add_service_errors(exc, form, field_map=_chain_field)
        return _rules_page(request, chain_form=form, status=400)
    messages.success(request, _("销毁审批链已保存；已提交的清册仍按提交时的审批链审批。"))
    return redirect("governance_pages:settings-retention")


def _chain_field(key: str) -> str:
    # The service names "steps.<n>.role" among the steps it was given (empty rows skipped).
    parts = key.split(".")
    return f"role_{parts[1]}" if len(parts) == 3 and parts[1].isdigit() else key


# --- legal holds -----------------------------------------------------------------------------------

def _holds_page(request, form=None, status=200):
    holds = (LegalHold.objects.filter(customer__in=customers_visible_to(request.user))
             .select_related("customer").order_by("released_at", "-set_at")[:HOLD_LIMIT])
    return render(request, "governance_pages/holds.html", {
        "holds": holds, "form": form or HoldForm(), "release_form": ReasonForm(),
        "may_release": _may_release(request.user), "active": "holds"}, status=status)


def _may_release(user) -> bool:
    return roles.is_tenant_admin(user) or roles.has_role(user, *retention.HOLD_RELEASERS)


@login_required
@gate(may_see_holds)
@require_GET
def hold_list(request):
    return _holds_page(request)


@login_required
@gate(may_see_holds)
@require_POST
def hold_set(request):
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _holds_page(request, form, 400)
    customer = customers_visible_to(request.user).filter(
        archive_number=form.cleaned_data["archive_number"].strip()).first()
    if customer is None:
        form.add_error("archive_number", _("没有找到该编号的档案。"))
        return _holds_page(request, form, 400)
    try:
        retention.legal_hold_set(actor=request.user, customer=customer, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _holds_page(request, form, 400)
    messages.success(request, _("已对档案 %(number)s 设置法律保全，解除前不会被销毁。") % {"number": customer.archive_number})
    return redirect("governance_pages:hold-list")


@login_required
@gate(may_see_holds)
@require_POST
def hold_release(request, pk: int):
    hold = found(LegalHold.objects.filter(pk=pk, customer__in=customers_visible_to(request.user)).first())
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        retention.legal_hold_release(actor=request.user, hold=hold, reason=reason)
        messages.success(request, _("法律保全已解除。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("governance_pages:hold-list")
