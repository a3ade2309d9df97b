"""Disposition (销毁, R7): expired files gathered into a destruction list, approved step by step
along the company's chain, then destroyed by a task (services/destruction.py).

Approval rules, each enforced here and tested:
- each step by a person who holds the step's role *at the moment of approving* (read from the
  database, never from a cache of the request);
- a different person for every step of a round, and never the person who submitted the list;
- the approver names the step they decide; a racing or replayed decision on a step already
  decided is refused (409), and the batch row is locked while a decision is made;
- a rejection returns the list to draft with the reason; resubmission starts a new round.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangan.accounts import roles, two_factor
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import DispositionApproval, DispositionBatch, DispositionItem, DispositionStep, LegalHold
from .audit import actor_snapshot, audit_record

# Who prepares and submits destruction lists: the archive keepers, and administrators.
LIST_KEEPERS = (roles.CUSTODIAN, roles.TENANT_ADMIN)
DEFAULT_CHAIN = [(roles.SUPERVISOR, "销售主管审核"), (roles.OFFICE, "办公室审核"), (roles.GENERAL_MANAGER, "总经理批准")]
OPEN_STAGES = (DispositionBatch.Stage.DRAFT, DispositionBatch.Stage.PENDING, DispositionBatch.Stage.APPROVED)


def _require_keeper(actor) -> None:
    if not (roles.has_role(actor, *LIST_KEEPERS) or roles.is_tenant_admin(actor)):
        raise ApplicationError(errors.NOT_CUSTODIAN)


def _next_number(today: dt.date) -> str:
    prefix = f"XH-{today.year}-"
    count = DispositionBatch.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


def expired_files(today: dt.date | None = None):
    """Filed or archived files past their retain-until date, not held, not on an open list."""
    from dangan.archives.models import Customer, CustomerState

    today = today or timezone.localdate()
    held = LegalHold.objects.filter(released_at__isnull=True).values("customer_id")
    listed = DispositionItem.objects.filter(batch__stage__in=OPEN_STAGES,
                                            outcome=DispositionItem.Outcome.LISTED).values("customer_id")
    return (Customer.objects.filter(state__in=[CustomerState.FILED, CustomerState.ARCHIVED],
                                    retain_until__lt=today)
            .exclude(pk__in=held).exclude(pk__in=listed).order_by("archive_number"))


def disposition_sweep_now(*, actor) -> dict:
    """A keeper runs the sweep now instead of waiting for the daily job."""
    _require_keeper(actor)
    return disposition_sweep(actor=actor)


@transaction.atomic
def disposition_sweep(*, actor=None, today: dt.date | None = None) -> dict:
    """The daily per-company job: expired, unheld files go onto the draft destruction list
    (made if there is none). Nothing is destroyed without the approval chain."""
    files = list(expired_files(today).values_list("pk", "archive_number", "retain_until"))
    if not files:
        return {"added": 0}
    batch = DispositionBatch.objects.select_for_update().filter(stage=DispositionBatch.Stage.DRAFT).first()
    if batch is None:
        batch = DispositionBatch.objects.create(number=_next_number(today or timezone.localdate()),
                                                created_by=actor_snapshot(actor))
    DispositionItem.objects.bulk_create([
        DispositionItem(batch=batch, customer_id=pk, archive_number=number, retain_until=until)
        for pk, number, until in files], ignore_conflicts=True)
    audit_record(actor=actor, action="disposition.sweep", obj=batch,
                 summary={"added": [number for _, number, _ in files]})
    return {"added": len(files), "batch": batch.number}


def exclude_from_open_batches(*, customer_pk: int, note: str) -> int:
    return DispositionItem.objects.filter(customer_id=customer_pk, batch__stage__in=OPEN_STAGES,
                                          outcome=DispositionItem.Outcome.LISTED).update(
        outcome=DispositionItem.Outcome.EXCLUDED, note=note[:300])


@transaction.atomic
def disposition_item_exclude(*, actor, item: DispositionItem, reason: str) -> DispositionItem:
    """Take a file off a draft list by hand (with the reason)."""
    _require_keeper(actor)
    batch = DispositionBatch.objects.select_for_update().get(pk=item.batch_id)
    if batch.stage != DispositionBatch.Stage.DRAFT:
        raise ApplicationError(errors.BATCH_STAGE, stage=batch.get_stage_display())
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    DispositionItem.objects.filter(pk=item.pk).update(outcome=DispositionItem.Outcome.EXCLUDED, note=reason[:300])
    audit_record(actor=actor, action="disposition.exclude", obj=batch,
                 summary={"archive_number": item.archive_number})
    item.refresh_from_db()
    return item


def chain_steps() -> list[dict]:
    steps = [{"role": s.role, "label": s.label} for s in DispositionStep.objects.order_by("position")]
    return steps or [{"role": role, "label": label} for role, label in DEFAULT_CHAIN]


@transaction.atomic
def disposition_chain_set(*, actor, steps: list[dict]) -> list[dict]:
    """The company configures its approval chain (administrators): one role per level, at
    least one level, roles that exist. Lists already submitted keep the chain they got."""
    from django.contrib.auth.models import Group

    if not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.FORBIDDEN)
    cleaned = [{"role": str(step.get("role") or "").strip(), "label": str(step.get("label") or "").strip()[:100]}
               for step in steps or []]
    if not cleaned or len(cleaned) > 10:
        raise ApplicationError(errors.CHAIN_INVALID, field="steps")
    known = set(Group.objects.values_list("name", flat=True))
    for index, step in enumerate(cleaned):
        if step["role"] not in known:
            raise ApplicationError(errors.ROLE_UNKNOWN, field=f"steps.{index}.role", role=step["role"])
    DispositionStep.objects.all().delete()
    DispositionStep.objects.bulk_create([DispositionStep(position=index, **step) for index, step in enumerate(cleaned)])
    audit_record(actor=actor, action="disposition.chain_set", obj=None, summary={"steps": cleaned})
    return cleaned


def _lock(batch: DispositionBatch) -> DispositionBatch:
    return DispositionBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def disposition_batch_submit(*, actor, batch: DispositionBatch) -> DispositionBatch:
    """A keeper submits a draft list; it starts at the first step of the company's chain."""
    _require_keeper(actor)
    batch = _lock(batch)
    if batch.stage != DispositionBatch.Stage.DRAFT:
        raise ApplicationError(errors.BATCH_STAGE, stage=batch.get_stage_display())
    if not batch.items.filter(outcome=DispositionItem.Outcome.LISTED).exists():
        raise ApplicationError(errors.BATCH_EMPTY)
    batch.stage = DispositionBatch.Stage.PENDING
    batch.round += 1
    batch.steps = chain_steps()
    batch.current_step = 0
    batch.submitted_by, batch.submitted_at = actor, timezone.now()
    batch.returned_reason = ""
    batch.save()
    audit_record(actor=actor, action="disposition.submit", obj=batch,
                 summary={"round": batch.round, "steps": [s["role"] for s in batch.steps],
                          "files": list(batch.items.filter(outcome="listed").values_list("archive_number", flat=True))})
    return batch


def _check_decider(actor, batch: DispositionBatch, step: int) -> str:
    if batch.stage != DispositionBatch.Stage.PENDING:
        raise ApplicationError(errors.BATCH_STAGE, stage=batch.get_stage_display())
    if step != batch.current_step:
        raise ApplicationError(errors.STEP_DECIDED, step=step + 1)
    role = batch.steps[step]["role"]
    # From the database, now: a role removed a second ago no longer counts.
    if not actor.is_active or not actor.groups.filter(name=role).exists():
        raise ApplicationError(errors.ROLE_REQUIRED, role=role)
    if actor.pk == batch.submitted_by_id:
        raise ApplicationError(errors.SELF_APPROVAL)
    if batch.approvals.filter(round=batch.round, approver=actor).exists():
        raise ApplicationError(errors.SAME_APPROVER)
    # Under the company's two-factor rule, only a web session verified with a code decides;
    # tokens and API keys never do (accounts/two_factor.py).
    two_factor.require_verified_approver(actor)
    return role


def _decide(actor, batch, step, role, decision, reason) -> DispositionApproval:
    snapshot = actor_snapshot(actor)
    snapshot["role"] = role
    return DispositionApproval.objects.create(batch=batch, round=batch.round, step=step, role=role,
                                              decision=decision, approver=actor, approver_snapshot=snapshot,
                                              reason=(reason or "").strip())


@transaction.atomic
def disposition_batch_approve(*, actor, batch: DispositionBatch, step: int, reason: str = "") -> DispositionBatch:
    """Approve the step named; the last approval queues the destruction (after commit)."""
    batch = _lock(batch)
    role = _check_decider(actor, batch, step)
    _decide(actor, batch, step, role, DispositionApproval.Decision.APPROVE, reason)
    if step + 1 < len(batch.steps):
        batch.current_step = step + 1
    else:
        batch.stage = DispositionBatch.Stage.APPROVED
        batch.approved_at = timezone.now()
        from ..tasks import destroy_batch

        batch_id = batch.pk
        transaction.on_commit(lambda: destroy_batch.delay(batch_id))
    batch.save()
    audit_record(actor=actor, action="disposition.approve", obj=batch,
                 summary={"round": batch.round, "step": step, "role": role, "final": batch.stage == "approved"})
    return batch


@transaction.atomic
def disposition_batch_reject(*, actor, batch: DispositionBatch, step: int, reason: str) -> DispositionBatch:
    """Return the list to draft with the reason; the keeper revises and resubmits it."""
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    batch = _lock(batch)
    role = _check_decider(actor, batch, step)
    _decide(actor, batch, step, role, DispositionApproval.Decision.REJECT, reason)
    if DispositionBatch.objects.filter(stage=DispositionBatch.Stage.DRAFT).exclude(pk=batch.pk).exists():
        # The sweep made a new draft meanwhile: its files join this one (one draft at a time).
        other = DispositionBatch.objects.select_for_update().get(stage=DispositionBatch.Stage.DRAFT)
        have = set(batch.items.values_list("customer_id", flat=True))
        other.items.exclude(customer_id__in=have).update(batch=batch)
        other.items.all().delete()
        other.delete()
    batch.stage = DispositionBatch.Stage.DRAFT
    batch.returned_reason = reason.strip()
    batch.save()
    audit_record(actor=actor, action="disposition.reject", obj=batch,
                 summary={"round": batch.round, "step": step, "role": role})
    return batch
