"""Destruction lists (销毁清册) with their approval chain step by step, and destruction records
(销毁记录) with their PDF certificates. Rules live in governance/services/disposition.py and
governance/selectors.py; these views show their answers."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangan.accounts import roles
from dangan.governance import selectors
from dangan.governance.models import DispositionBatch, DispositionItem
from dangan.governance.services import destruction, disposition
from dangan.platform.errors import ApplicationError

from ...common import flash_error, found
from ..access import gate, may_read_disposition
from ..forms import DecisionForm, ReasonForm

LIST_LIMIT = 200  # lists are made a few times a year; this is years of them


def _may_keep(user) -> bool:
    """Whether to offer the keeper's buttons (sweep, submit, exclude); the services decide."""
    return roles.is_tenant_admin(user) or roles.has_role(user, *disposition.LIST_KEEPERS)


@login_required
@gate(may_read_disposition)
@require_GET
def batch_list(request):
    batches = selectors.disposition_batches(user=request.user)[:LIST_LIMIT]
    return render(request, "governance_pages/batches.html", {
        "batches": batches, "may_keep": _may_keep(request.user), "active": "batches"})


def chain_rows(batch: DispositionBatch) -> list[dict]:
    """The chain of the current round, one row per step: its decision, or whether it is due."""
    decided = {a.step: a for a in batch.approvals.all() if a.round == batch.round}
    steps = batch.steps or disposition.chain_steps()  # a list never submitted shows the chain it will get
    rows = []
    for index, step in enumerate(steps):
        approval = decided.get(index)
        if approval is not None:
            status = approval.decision
        elif batch.stage == DispositionBatch.Stage.PENDING and index == batch.current_step:
            status = "current"
        else:
            status = "waiting"
        rows.append({"index": index, "number": index + 1, "role": step["role"], "label": step.get("label", ""),
                     "approval": approval, "status": status})
    return rows


def _batch_page(request, batch: DispositionBatch):
    user = request.user
    pending = batch.stage == DispositionBatch.Stage.PENDING and batch.current_step < len(batch.steps)
    current_role = batch.steps[batch.current_step]["role"] if pending else None
    return render(request, "governance_pages/batch.html", {
        "batch": batch, "chain": chain_rows(batch),
        "earlier": [a for a in batch.approvals.all() if a.round < batch.round],
        "items": batch.items.all(),
        "listed": sum(1 for item in batch.items.all() if item.outcome == DispositionItem.Outcome.LISTED),
        "may_keep": _may_keep(user) and batch.stage == DispositionBatch.Stage.DRAFT,
        # Offered to whoever holds the step's role now; the service checks again (and the
        # rules on different people per step and no self-approval).
        "may_decide": current_role is not None and roles.has_role(user, current_role),
        "current_role": current_role, "active": "batches"})


def _batch(request, pk: int) -> DispositionBatch:
    return found(selectors.disposition_batch(user=request.user, pk=pk))


@login_required
@gate(may_read_disposition)
@require_GET
def batch_detail(request, pk: int):
    return _batch_page(request, _batch(request, pk))


def _after(request, batch_pk: int | None, done: str | None, action):
    try:
        action()
        if done:
            messages.success(request, done)
    except ApplicationError as exc:
        flash_error(request, exc)
    if batch_pk is None:
        return redirect("governance_pages:batch-list")
    return redirect("governance_pages:batch-detail", pk=batch_pk)


@login_required
@gate(may_read_disposition)
@require_POST
def batch_sweep(request):
    try:
        result = disposition.disposition_sweep_now(actor=request.user)
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect("governance_pages:batch-list")
    if result.get("added"):
        messages.success(request, _("已将 %(n)s 份到期档案列入销毁清册 %(number)s。") % {
            "n": result["added"], "number": result["batch"]})
    else:
        messages.info(request, _("没有新的到期档案。"))
    return redirect("governance_pages:batch-list")


@login_required
@gate(may_read_disposition)
@require_POST
def batch_submit(request, pk: int):
    batch = _batch(request, pk)
    return _after(request, batch.pk, _("销毁清册已提交审批。"),
                  lambda: disposition.disposition_batch_submit(actor=request.user, batch=batch))


def _decision(request, pk: int, service, done: str):
    batch = _batch(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效，请刷新页面后重试。"))
        return redirect("governance_pages:batch-detail", pk=batch.pk)
    return _after(request, batch.pk, done, lambda: service(actor=request.user, batch=batch, **form.cleaned_data))


@login_required
@gate(may_read_disposition)
@require_POST
def batch_approve(request, pk: int):
    return _decision(request, pk, disposition.disposition_batch_approve, _("已同意。"))


@login_required
@gate(may_read_disposition)
@require_POST
def batch_reject(request, pk: int):
    return _decision(request, pk, disposition.disposition_batch_reject, _("已退回，清册回到草稿状态。"))


@login_required
@gate(may_read_disposition)
@require_POST
def item_exclude(request, pk: int):
    item = found(DispositionItem.objects.filter(
        pk=pk, batch__in=selectors.disposition_batches(user=request.user)).first())
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _after(request, item.batch_id, _("档案 %(number)s 已从清册中剔除。") % {"number": item.archive_number},
                  lambda: disposition.disposition_item_exclude(actor=request.user, item=item, reason=reason))


# --- destruction records -----------------------------------------------------------------------------

@login_required
@gate(may_read_disposition)
@require_GET
def record_list(request):
    records = selectors.destruction_records(user=request.user)[:LIST_LIMIT]
    return render(request, "governance_pages/records.html", {"records": records, "active": "records"})


@login_required
@gate(may_read_disposition)
@require_GET
def record_certificate(request, pk: int):
    record = found(selectors.destruction_records(user=request.user).filter(pk=pk).first())
    response = HttpResponse(destruction.certificate_bytes(record=record), content_type="application/pdf")
    safe_number = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "_" for c in record.archive_number)
    response["Content-Disposition"] = f'attachment; filename="destruction-{safe_number}.pdf"'
    return response
