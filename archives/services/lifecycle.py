"""The life cycle of a file (R3): draft → submitted → approved → filed → archived, with
returns for correction; reviews on a cadence; reminders for overdue files."""
from __future__ import annotations

import datetime as dt

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from dangan.accounts import roles, two_factor
from dangan.governance.services.audit import audit_record
from dangan.governance.services.retention import retention_recompute
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import ArchiveSettings, CadenceRule, Customer, CustomerState, Notification
from . import notifications
from ._common import lock_customer, record_history, supervises


def _audit(actor, action: str, customer: Customer) -> None:
    audit_record(actor=actor, action=action, obj=customer,
                 summary={"archive_number": customer.archive_number, "state": customer.state})


def _require_state(customer: Customer, *states: str) -> None:
    if customer.state not in states:
        raise ApplicationError(errors.INVALID_STATE, state=customer.get_state_display())


def review_interval_days(customer: Customer) -> int | None:
    """The strictest cadence that applies: key-customer, grade and category rules, and the
    category's own interval."""
    rules = CadenceRule.objects.filter(
        (Q(is_key_customer__isnull=True) | Q(is_key_customer=customer.is_key_customer))
        & (Q(grade__isnull=True) | Q(grade_id=customer.grade_id))
        & (Q(category__isnull=True) | Q(category_id=customer.category_id))
    ).exclude(is_key_customer__isnull=True, grade__isnull=True, category__isnull=True)
    intervals = list(rules.values_list("interval_days", flat=True))
    if customer.category.review_interval_days:
        intervals.append(customer.category.review_interval_days)
    return min(intervals) if intervals else None


def _schedule_review(customer: Customer, from_date: dt.date) -> None:
    interval = review_interval_days(customer)
    customer.next_review_on = from_date + dt.timedelta(days=interval) if interval else None
    customer.review_overdue = False


@transaction.atomic
def customer_submit(*, actor, customer: Customer) -> Customer:
    """Only the owner submits, from draft or after a return."""
    customer = lock_customer(customer)
    if actor.pk != customer.owner_id:
        raise ApplicationError(errors.NOT_OWNER)
    _require_state(customer, CustomerState.DRAFT, CustomerState.RETURNED)
    customer.state = CustomerState.SUBMITTED
    customer.submitted_at = timezone.now()
    customer.returned_reason = ""
    customer.version += 1
    customer.save()
    record_history(customer=customer, actor=actor, action="submit")
    _audit(actor, "customer.submit", customer)
    notifications.file_submitted(customer, actor=actor)
    return customer


def _check_reviewer(actor, customer: Customer) -> None:
    if actor.pk == customer.owner_id or actor.pk == customer.created_by_id:
        raise ApplicationError(errors.SELF_REVIEW)
    if not (supervises(actor, customer.owner) or roles.is_tenant_admin(actor)):
        raise ApplicationError(errors.NOT_SUPERVISOR)
    # Under the company's two-factor rule only a session verified with a code decides (accounts/two_factor.py).
    two_factor.require_verified_approver(actor)


@transaction.atomic
def customer_approve(*, actor, customer: Customer) -> Customer:
    """The owner's supervisor reviews (审核); nobody reviews their own file."""
    customer = lock_customer(customer)
    _require_state(customer, CustomerState.SUBMITTED)
    _check_reviewer(actor, customer)
    customer.state = CustomerState.APPROVED
    customer.approved_by, customer.approved_at = actor, timezone.now()
    customer.version += 1
    customer.save()
    record_history(customer=customer, actor=actor, action="approve")
    _audit(actor, "customer.approve", customer)
    notifications.file_approved(customer, actor=actor)
    return customer


@transaction.atomic
def customer_return(*, actor, customer: Customer, reason: str) -> Customer:
    """Back to the owner for correction, with the reason: by the reviewer at review, or by a
    custodian who finds an approved file unfit to file."""
    customer = lock_customer(customer)
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    if customer.state == CustomerState.SUBMITTED:
        _check_reviewer(actor, customer)
    elif customer.state == CustomerState.APPROVED:
        if not roles.has_role(actor, roles.CUSTODIAN):
            raise ApplicationError(errors.NOT_CUSTODIAN)
    else:
        raise ApplicationError(errors.INVALID_STATE, state=customer.get_state_display())
    customer.state = CustomerState.RETURNED
    customer.returned_reason = reason.strip()
    customer.version += 1
    customer.save()
    record_history(customer=customer, actor=actor, action="return", reason=reason)
    _audit(actor, "customer.return", customer)
    notifications.file_returned(customer, actor=actor, reason=reason)
    return customer


@transaction.atomic
def customer_file(*, actor, customer: Customer) -> Customer:
    """Only a custodian (档案管理员) files an approved file; it is then kept by them."""
    customer = lock_customer(customer)
    if not roles.has_role(actor, roles.CUSTODIAN):
        raise ApplicationError(errors.NOT_CUSTODIAN)
    _require_state(customer, CustomerState.APPROVED)
    # Rules other apps add (documents: the required-document checklist), named in settings so
    # that archives imports none of them.
    for check in django_settings.DANGAN_FILING_CHECKS:
        import_string(check)(actor=actor, customer=customer)
    customer.state = CustomerState.FILED
    customer.filed_by, customer.filed_at = actor, timezone.now()
    customer.custodian = customer.custodian or actor
    today = timezone.localdate()
    customer.last_reviewed_on = today
    _schedule_review(customer, today)
    customer.version += 1
    customer.save()
    record_history(customer=customer, actor=actor, action="file")
    retention_recompute(customer=customer)  # filing starts the retention period
    _audit(actor, "customer.file", customer)
    notifications.file_filed(customer, actor=actor)
    return customer


@transaction.atomic
def customer_mark_reviewed(*, actor, customer: Customer, note: str = "") -> Customer:
    """The periodic update (填充、修改和完善) is done: the next one is scheduled."""
    customer = lock_customer(customer)
    if not (actor.pk == customer.owner_id or roles.has_role(actor, roles.CUSTODIAN) or roles.is_tenant_admin(actor)):
        raise ApplicationError(errors.FORBIDDEN)
    _require_state(customer, CustomerState.FILED)
    today = timezone.localdate()
    customer.last_reviewed_on = today
    _schedule_review(customer, today)
    customer.version += 1
    customer.save()
    record_history(customer=customer, actor=actor, action="review", reason=note)
    _audit(actor, "customer.review", customer)
    return customer


@transaction.atomic
def customer_archive(*, actor, customer: Customer, reason: str = "") -> Customer:
    """Long-inactive customers move to archived (归档封存); they stay searchable."""
    customer = lock_customer(customer)
    if actor is not None and not (roles.has_role(actor, roles.CUSTODIAN) or roles.is_tenant_admin(actor)):
        raise ApplicationError(errors.NOT_CUSTODIAN)
    _require_state(customer, CustomerState.FILED)
    customer.state = CustomerState.ARCHIVED
    customer.archived_at = timezone.now()
    customer.review_overdue = False
    customer.version += 1
    customer.save()
    record_history(customer=customer, actor=actor or customer.custodian or customer.owner, action="archive",
                   reason=reason or "长期不活跃")
    retention_recompute(customer=customer)  # the end of the relationship counts too
    _audit(actor, "customer.archive", customer)  # actor None: the daily sweep (system)
    return customer


@transaction.atomic
def customer_reactivate(*, actor, customer: Customer) -> Customer:
    customer = lock_customer(customer)
    if not (roles.has_role(actor, roles.CUSTODIAN) or roles.is_tenant_admin(actor)):
        raise ApplicationError(errors.NOT_CUSTODIAN)
    _require_state(customer, CustomerState.ARCHIVED)
    customer.state = CustomerState.FILED
    customer.archived_at = None
    _schedule_review(customer, timezone.localdate())
    customer.version += 1
    customer.save()
    record_history(customer=customer, actor=actor, action="reactivate")
    retention_recompute(customer=customer)
    _audit(actor, "customer.reactivate", customer)
    return customer


def _notify(customer: Customer, kind: str, message: str) -> None:
    notifications.notify([customer.owner], kind=kind, customer=customer, message=message)


@transaction.atomic
def review_sweep(*, today: dt.date | None = None) -> dict:
    """The periodic per-tenant job: flag files whose review is overdue and drafts past their
    creation deadline (notifying each owner once per lapse), and archive long-inactive files."""
    today = today or timezone.localdate()
    settings = ArchiveSettings.load()
    newly_overdue = list(Customer.objects.select_related("owner").filter(
        state=CustomerState.FILED, next_review_on__lt=today, review_overdue=False))
    for customer in newly_overdue:
        _notify(customer, "review_overdue",
                f"客户档案 {customer.archive_number}（{customer.name}）已超过更新期限 {customer.next_review_on}，请及时更新。")
    Customer.objects.filter(pk__in=[c.pk for c in newly_overdue]).update(review_overdue=True)

    late_drafts = list(Customer.objects.select_related("owner").filter(
        state__in=[CustomerState.DRAFT, CustomerState.RETURNED], creation_due_on__lt=today, review_overdue=False))
    for customer in late_drafts:
        _notify(customer, "creation_overdue",
                f"客户档案 {customer.archive_number}（{customer.name}）应于 {customer.creation_due_on} 前建档提交，已逾期。")
    Customer.objects.filter(pk__in=[c.pk for c in late_drafts]).update(review_overdue=True)

    cutoff = today - dt.timedelta(days=settings.inactive_after_days)
    inactive = Customer.objects.filter(state=CustomerState.FILED).filter(
        Q(last_activity_on__lt=cutoff) | Q(last_activity_on__isnull=True, filed_at__date__lt=cutoff))
    archived = 0
    for customer in inactive:
        customer_archive(actor=None, customer=customer, reason="长期不活跃，自动封存")
        archived += 1
    result = {"review_overdue": len(newly_overdue), "creation_overdue": len(late_drafts), "archived": archived}
    if newly_overdue or late_drafts:
        audit_record(actor=None, action="archives.review_sweep", obj=None,
                     summary={**result, "flagged": sorted(c.pk for c in (*newly_overdue, *late_drafts))})
    return result


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """Only its recipient reads a notification; reading twice keeps the first time."""
    if notification.recipient_id != actor.pk:
        raise ApplicationError(errors.FORBIDDEN)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
