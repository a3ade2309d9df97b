"""The borrowing register (借阅登记, R6): request → approval → lending → return, and the daily
overdue job. The state machine is drawn in governance/models/borrowing.py.

Rules, each enforced here and tested:
- anyone may ask to borrow a file they can see or a file of their own department, for a stated
  purpose and a due date within the company's longest loan;
- approval by the borrower's department head (制度："员工如需查阅档案资料，需经过部门领导同意")
  or a company-wide approver role the company configured; a classified file (密级) only by the
  roles the confidentiality policy names ("须经本部门主管副经理以上领导批准"); never by the
  borrower; roles are read from the database at the moment of deciding;
- a custodian lends and checks in, never for their own loan: paper leaves its recorded
  location (one holder at a time), electronic loans get time-boxed access through the
  confidentiality interface, revoked on return;
- every step is a transition from a named state; anything else is a clean 409.
"""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from dangan.accounts import roles, two_factor
from dangan.archives.services import notifications
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import BorrowingPolicy, Loan, LoanReminder
from .audit import actor_snapshot, audit_record

# Department heads approve for the people of the departments they lead; the other roles of the
# policy approve company-wide (a deputy or general manager is everybody's leader).
DEPARTMENT_HEAD_ROLES = (roles.SUPERVISOR, roles.DEPARTMENT_MANAGER)
DEFAULT_APPROVER_ROLES = [roles.SUPERVISOR, roles.DEPARTMENT_MANAGER, roles.DEPUTY_MANAGER, roles.GENERAL_MANAGER]
# Classified files: the confidentiality policy's approvers; these when it names none.
DEFAULT_CLASSIFIED_APPROVER_ROLES = [roles.DEPUTY_MANAGER, roles.GENERAL_MANAGER]
# A month covers an audit or a contract dispute; longer is a transfer of custody, not a loan.
DEFAULT_MAX_DAYS = 30
MAX_DAYS_LIMIT = 365
# Who lends and checks in: the archive keepers (and administrators standing in for them).
HANDLER_ROLES = (roles.CUSTODIAN, roles.TENANT_ADMIN)
# An overdue paper loan is chased on the day it falls due and then twice a week, not every
# morning: daily mail about the same folder gets filtered, and the custodian calls anyway.
REMINDER_INTERVAL_DAYS = 3

_ACTIONS = {  # action → (Chinese verb, English participle) for the state error
    "approve": ("审批", "approved"), "reject": ("驳回", "rejected"), "cancel": ("撤销", "cancelled"),
    "lend": ("借出", "lent"), "return": ("归还", "returned"),
}
_STATE_EN = {"requested": "awaiting approval", "approved": "approved, not yet lent", "rejected": "rejected",
             "cancelled": "cancelled", "lent": "lent", "overdue": "overdue", "returned": "returned"}


# --- policy -------------------------------------------------------------------------------------

def borrowing_policy() -> dict:
    """The company's rules, or the defaults where it set none."""
    row = BorrowingPolicy.objects.order_by("pk").first()
    return {"approver_roles": list(row.approver_roles) if row and row.approver_roles else list(DEFAULT_APPROVER_ROLES),
            "max_days": row.max_days if row else DEFAULT_MAX_DAYS}


@transaction.atomic
def borrowing_policy_set(*, actor, approver_roles: list[str], max_days: int) -> dict:
    """Administrators choose who approves loans and the longest loan; roles must exist."""
    from django.contrib.auth.models import Group

    if not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.FORBIDDEN)
    cleaned = list(dict.fromkeys(str(name).strip() for name in approver_roles or [] if str(name).strip()))
    if not cleaned:
        raise ApplicationError(errors.LOAN_APPROVER_ROLES_EMPTY, field="approver_roles")
    known = set(Group.objects.values_list("name", flat=True))
    for index, name in enumerate(cleaned):
        if name not in known:
            raise ApplicationError(errors.ROLE_UNKNOWN, field=f"approver_roles.{index}", role=name)
    if not isinstance(max_days, int) or not 1 <= max_days <= MAX_DAYS_LIMIT:
        raise ApplicationError(errors.LOAN_MAX_DAYS_INVALID, field="max_days")
    row = BorrowingPolicy.objects.select_for_update().order_by("pk").first() or BorrowingPolicy()
    row.approver_roles, row.max_days = cleaned, max_days
    row.save()
    audit_record(actor=actor, action="borrowing.policy_set", obj=row,
                 summary={"approver_roles": cleaned, "max_days": max_days})
    return borrowing_policy()


def classified_approver_roles() -> list[str]:
    """Who may approve a loan of a classified file: the confidentiality policy's approvers."""
    from ..selectors import confidentiality_policy

    return list(confidentiality_policy().approver_roles or DEFAULT_CLASSIFIED_APPROVER_ROLES)


def is_classified(customer, document=None) -> bool:
    """A file or document whose level needs approval to view (秘密 and above; the stricter of
    the file's and the document's level governs)."""
    from ..selectors import is_classified as classified

    return classified(customer, document)


# --- helpers ------------------------------------------------------------------------------------

def _db_roles(user) -> set[str]:
    """Roles as they are in the database now: one removed a second ago no longer counts."""
    return set(user.groups.values_list("name", flat=True)) | ({roles.TENANT_ADMIN} if user.is_superuser else set())


def _lock(loan: Loan) -> Loan:
    return Loan.objects.select_for_update(of=("self",)).select_related("customer", "document", "borrower").get(pk=loan.pk)


def _require_state(loan: Loan, allowed, action: str) -> None:
    if loan.state not in allowed:
        verb, participle = _ACTIONS[action]
        raise ApplicationError(errors.LOAN_STATE, number=loan.number, state=loan.get_state_display(),
                               state_en=_STATE_EN.get(loan.state, loan.state), action=verb, action_en=participle)


def _require_handler(actor) -> None:
    if not (actor.is_active and _db_roles(actor) & set(HANDLER_ROLES)):
        raise ApplicationError(errors.LOAN_NOT_CUSTODIAN)


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after `day` in the company's time zone: a loan due on the 5th lasts all of the 5th."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _paper_location(loan: Loan):
    """Where the paper lives now: the document's own location, or the file's archive bag."""
    if loan.document_id:
        return loan.document.physical_location
    from dangan.documents.models import CustomerPaperLocation

    placed = CustomerPaperLocation.objects.select_related("location").filter(customer_id=loan.customer_id).first()
    return placed.location if placed else None


def _location_snapshot(location) -> dict:
    return {"id": location.pk, "code": location.code, "name": location.name,
            "path": " / ".join(node.name for node in location.path())}


def _paper_holder(loan: Loan) -> Loan | None:
    """An open paper loan that holds what `loan` wants: the same document, the whole file, or
    (for a whole-file loan) any of its documents."""
    others = Loan.objects.filter(medium=Loan.Medium.PAPER, state__in=Loan.OPEN_STATES,
                                 customer_id=loan.customer_id).exclude(pk=loan.pk)
    if loan.document_id:
        others = others.filter(Q(document__isnull=True) | Q(document_id=loan.document_id))
    return others.select_related("borrower").first()


def _notify(people, *, kind: str, message: str, customer=None) -> list[dict]:
    """An in-app notification now and an e-mail after commit for each active person; returns
    who was told."""
    told = notifications.notify(people, kind=kind, customer=customer, message=message)
    return [{"id": person.pk, "name": person.full_name, "email": person.email} for person in told]


def _audit(actor, action: str, loan: Loan, **extra) -> None:
    audit_record(actor=actor, action=action, obj=loan,
                 summary={"number": loan.number, "archive_number": loan.archive_number, "document": loan.document_id,
                          "medium": loan.medium, "state": loan.state, **extra})


# --- request ------------------------------------------------------------------------------------

@transaction.atomic
def loan_request(*, actor, customer, medium: str, purpose: str, due_date: dt.date, document=None) -> Loan:
    """Ask to borrow a file (or one document of it), electronically or as the paper original."""
    from ..selectors import requestable_customers

    if medium not in Loan.Medium.values:
        raise ApplicationError(errors.LOAN_MEDIUM_INVALID, field="medium")
    if not actor.is_active or not requestable_customers(actor, medium=medium).filter(pk=customer.pk).exists():
        raise ApplicationError(errors.LOAN_FILE_UNAVAILABLE, field="customer")
    if document is not None and document.customer_id != customer.pk:
        raise ApplicationError(errors.DOCUMENT_NOT_OF_FILE, field="document")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ApplicationError(errors.LOAN_PURPOSE_REQUIRED, field="purpose")
    policy = borrowing_policy()
    today = timezone.localdate()
    last = today + dt.timedelta(days=policy["max_days"])
    if not isinstance(due_date, dt.date) or not today <= due_date <= last:
        raise ApplicationError(errors.LOAN_DUE_INVALID, field="due_date", first=today.isoformat(),
                               last=last.isoformat(), days=policy["max_days"])
    loan = Loan(customer=customer, archive_number=customer.archive_number, document=document, medium=medium,
                purpose=purpose[:2000], due_date=due_date, borrower=actor, borrower_snapshot=actor_snapshot(actor))
    if medium == Loan.Medium.PAPER and _paper_location(loan) is None:
        raise ApplicationError(errors.LOAN_NO_PAPER, field="medium")
    loan.save()
    # A register number people can read out: the year and the row's own sequence.
    loan.number = f"JY-{today.year}-{loan.pk:06d}"
    loan.save(update_fields=["number"])
    # A request nobody may decide would wait for ever without a word: refused now instead.
    approvers = approvers_for(loan)
    if not approvers:
        raise ApplicationError(errors.LOAN_NO_APPROVER, roles="、".join(approving_roles(loan)))
    _audit(actor, "loan.request", loan, due_date=due_date)
    notifications.notify(approvers, kind="loan_requested", customer=customer, actor=actor,
                         message=f"借阅申请 {loan.number}（档案 {loan.archive_number}，{loan.get_medium_display()}）"
                                 f"已由 {actor.full_name} 提交，待您审批。用途：{loan.purpose[:200]}")
    return loan


# --- decision -----------------------------------------------------------------------------------

class DecisionRights:
    """Whether one person may decide loans now, read once from the database (roles, the
    company's rules, the people of the departments they lead) and asked per loan."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.held = _db_roles(actor) if actor.is_active else set()
        self.allowed = borrowing_policy()["approver_roles"]
        self._classified_allowed: list[str] | None = None
        self._team: set[int] | None = None

    def _leads(self, user_id: int) -> bool:
        if self._team is None:
            from dangan.archives.models import Department
            from dangan.archives.selectors import visible_department_ids

            self._team = set(Department.members.through.objects.filter(
                department_id__in=visible_department_ids(self.actor)).values_list("user_id", flat=True))
        return user_id in self._team

    def role_for(self, loan: Loan) -> str:
        """The role in which the person may decide `loan`, or the reason they may not."""
        if self.actor.pk == loan.borrower_id:
            raise ApplicationError(errors.LOAN_SELF_APPROVAL)
        if loan.customer is not None and is_classified(loan.customer, loan.document):
            if self._classified_allowed is None:
                self._classified_allowed = classified_approver_roles()
            matching = [name for name in self._classified_allowed if name in self.held]
            if not matching:
                raise ApplicationError(errors.LOAN_CLASSIFIED_APPROVER, roles="、".join(self._classified_allowed))
            return matching[0]
        mine = [name for name in self.allowed if name in self.held]
        company_wide = [name for name in mine if name not in DEPARTMENT_HEAD_ROLES]
        if company_wide:
            return company_wide[0]
        if mine and self._leads(loan.borrower_id):  # a supervisor or manager of the borrower
            return mine[0]
        raise ApplicationError(errors.LOAN_APPROVER_REQUIRED, roles="、".join(self.allowed))


def approving_roles(loan: Loan) -> list[str]:
    """The roles that may decide `loan`: the confidentiality approvers for a classified file,
    else the company's borrowing policy (a department head only for their own people)."""
    if loan.customer is not None and is_classified(loan.customer, loan.document):
        return classified_approver_roles()
    return borrowing_policy()["approver_roles"]


def approvers_for(loan: Loan) -> list:
    """Everyone who may decide `loan` now (DecisionRights asked of each holder of an approving
    role): its borrower's department heads, the company-wide approvers, or for a classified
    file the confidentiality approvers."""
    from dangan.accounts.models import User

    candidates = User.objects.filter(is_active=True, groups__name__in=approving_roles(loan)).exclude(
        pk=loan.borrower_id)
    found = []
    for person in candidates.distinct().order_by("pk"):
        try:
            DecisionRights(person).role_for(loan)
        except ApplicationError:
            continue
        found.append(person)
    return found


def approver_role_for(actor, loan: Loan) -> str:
    """The role in which `actor` may decide `loan` now (see DecisionRights)."""
    return DecisionRights(actor).role_for(loan)


def _decide(actor, loan: Loan, state: str, reason: str) -> Loan:
    role = approver_role_for(actor, loan)
    # Under the company's two-factor rule only a session verified with a code decides (accounts/two_factor.py).
    two_factor.require_verified_approver(actor)
    snapshot = actor_snapshot(actor)
    snapshot["role"] = role
    loan.state, loan.approver, loan.approver_snapshot = state, actor, snapshot
    loan.decided_at, loan.decision_reason = timezone.now(), (reason or "").strip()[:2000]
    loan.save()
    if loan.customer_id:
        notifications.settle(loan.customer, "loan_requested", mentioning=f"{loan.number}（")
    return loan


@transaction.atomic
def loan_approve(*, actor, loan: Loan, reason: str = "") -> Loan:
    """Approve a request (see approver_role_for); the custodian then lends it."""
    loan = _lock(loan)
    _require_state(loan, [Loan.State.REQUESTED], "approve")
    _decide(actor, loan, Loan.State.APPROVED, reason)
    _notify([loan.borrower], kind="loan_approved", customer=loan.customer,
            message=f"借阅申请 {loan.number}（档案 {loan.archive_number}）已批准，请到档案管理员处办理借出。")
    _audit(actor, "loan.approve", loan, role=loan.approver_snapshot["role"])
    return loan


@transaction.atomic
def loan_reject(*, actor, loan: Loan, reason: str) -> Loan:
    """Refuse a request, with the reason the borrower reads."""
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    loan = _lock(loan)
    _require_state(loan, [Loan.State.REQUESTED], "reject")
    _decide(actor, loan, Loan.State.REJECTED, reason)
    _notify([loan.borrower], kind="loan_rejected", customer=loan.customer,
            message=f"借阅申请 {loan.number}（档案 {loan.archive_number}）被驳回：{loan.decision_reason}")
    _audit(actor, "loan.reject", loan, role=loan.approver_snapshot["role"])
    return loan


@transaction.atomic
def loan_cancel(*, actor, loan: Loan) -> Loan:
    """The borrower withdraws a request that has not been lent yet."""
    loan = _lock(loan)
    if actor.pk != loan.borrower_id:
        raise ApplicationError(errors.LOAN_NOT_BORROWER)
    _require_state(loan, [Loan.State.REQUESTED, Loan.State.APPROVED], "cancel")
    loan.state, loan.cancelled_at = Loan.State.CANCELLED, timezone.now()
    loan.save()
    _audit(actor, "loan.cancel", loan)
    return loan


# --- lending and return -------------------------------------------------------------------------

@transaction.atomic
def loan_lend(*, actor, loan: Loan) -> Loan:
    """A custodian hands the loan out: the paper original leaves its location (one holder at a
    time), or the borrower gets access until the end of the due date."""
    _require_handler(actor)
    loan = _lock(loan)
    _require_state(loan, [Loan.State.APPROVED], "lend")
    if actor.pk == loan.borrower_id:
        raise ApplicationError(errors.LOAN_OWN_HANDLING)
    if loan.customer is None:  # destroyed since the request
        raise ApplicationError(errors.LOAN_FILE_UNAVAILABLE)
    if loan.due_date < timezone.localdate():
        raise ApplicationError(errors.LOAN_DUE_PASSED, due=loan.due_date.isoformat())
    if loan.is_paper:
        from dangan.archives.models import Customer

        # One paper loan of a file at a time is decided here: lock the file for the check.
        Customer.objects.select_for_update().filter(pk=loan.customer_id).values_list("pk", flat=True).first()
        location = _paper_location(loan)
        if location is None:
            raise ApplicationError(errors.LOAN_NO_PAPER)
        holder = _paper_holder(loan)
        if holder is not None:
            raise _paper_out(holder)
        loan.location, loan.location_snapshot = location, _location_snapshot(location)
    else:
        from .confidentiality import grant_time_boxed_access

        loan.access_grant = grant_time_boxed_access(
            actor=actor, user=loan.borrower, customer=loan.customer, document=loan.document,
            until=_end_of(loan.due_date), reason=f"借阅 {loan.number}：{loan.purpose}"[:2000], source="borrowing",
            source_id=loan.pk)
    loan.state, loan.lent_by, loan.lent_by_snapshot, loan.lent_at = (
        Loan.State.LENT, actor, actor_snapshot(actor), timezone.now())
    try:
        with transaction.atomic():
            loan.save()
    except IntegrityError:  # a racing lend of the same paper won (gov_loan_one_paper_*)
        holder = _paper_holder(loan)
        if holder is None:
            raise
        raise _paper_out(holder) from None
    _audit(actor, "loan.lend", loan, location=loan.location_snapshot, access_grant=loan.access_grant_id,
           due_date=loan.due_date)
    return loan


def _paper_out(holder: Loan) -> ApplicationError:
    return ApplicationError(errors.LOAN_PAPER_OUT, number=holder.number, borrower=holder.borrower.full_name,
                            due=holder.due_date.isoformat())


def _revoke_grant(actor, loan: Loan, reason: str) -> None:
    grant = loan.access_grant
    if grant is not None and grant.revoked_at is None:
        from .confidentiality import revoke_access_grant

        revoke_access_grant(actor=actor, grant=grant, reason=reason)


@transaction.atomic
def loan_return(*, actor, loan: Loan, note: str = "") -> Loan:
    """A custodian checks the loan in (never their own): the paper is back at its location, an
    electronic loan's access is revoked at once."""
    _require_handler(actor)
    loan = _lock(loan)
    _require_state(loan, Loan.OPEN_STATES, "return")
    if actor.pk == loan.borrower_id:
        raise ApplicationError(errors.LOAN_OWN_HANDLING)
    if not loan.is_paper:
        _revoke_grant(actor, loan, f"借阅 {loan.number} 已归还")
    was_overdue = loan.state == Loan.State.OVERDUE
    loan.state, loan.returned_to, loan.returned_to_snapshot = Loan.State.RETURNED, actor, actor_snapshot(actor)
    loan.returned_at, loan.return_note = timezone.now(), (note or "").strip()[:2000]
    loan.save()
    _audit(actor, "loan.return", loan, overdue=was_overdue,
           location=loan.location_snapshot if loan.is_paper else None)
    return loan


# --- the daily job ------------------------------------------------------------------------------

@transaction.atomic
def loan_overdue_sweep(*, today: dt.date | None = None) -> dict:
    """The daily per-company job. Paper loans past their due date turn overdue and their
    borrower (and the custodian who lent them) is reminded — in the app and by e-mail — on the
    first day and every REMINDER_INTERVAL_DAYS after. Electronic loans cannot be late: their
    access ended with the due date, and the job closes them. Running twice a day changes nothing."""
    today = today or timezone.localdate()
    late_paper = list(Loan.objects.select_for_update().filter(
        state=Loan.State.LENT, medium=Loan.Medium.PAPER, due_date__lt=today))
    for loan in late_paper:
        loan.state, loan.overdue_since = Loan.State.OVERDUE, loan.due_date + dt.timedelta(days=1)
    Loan.objects.bulk_update(late_paper, ["state", "overdue_since"])

    # Their grants ended with the due date (until = the end of that day): nothing to revoke.
    expired = list(Loan.objects.select_for_update().filter(
        state=Loan.State.LENT, medium=Loan.Medium.ELECTRONIC, due_date__lt=today))
    for loan in expired:
        loan.state, loan.returned_at = Loan.State.RETURNED, timezone.now()
        loan.returned_to_snapshot = actor_snapshot(None)
        loan.return_note = "到期自动收回电子查阅权限"
    Loan.objects.bulk_update(expired, ["state", "returned_at", "returned_to_snapshot", "return_note"])

    reminded = []
    due_for_reminder = (Loan.objects.filter(state=Loan.State.OVERDUE)
                        .annotate(last_reminded=Max("reminders__sent_on"))
                        .filter(Q(last_reminded__isnull=True)
                                | Q(last_reminded__lte=today - dt.timedelta(days=REMINDER_INTERVAL_DAYS)))
                        .select_related("borrower", "lent_by", "customer"))
    for loan in due_for_reminder:
        days = (today - loan.due_date).days
        message = (f"借阅 {loan.number}（档案 {loan.archive_number}，纸质原件）应于 {loan.due_date} 归还，"
                   f"已逾期 {days} 天，请尽快归还档案管理员。")
        people = [loan.borrower] + [p for p in (loan.lent_by,) if p and p.is_active and p.pk != loan.borrower_id]
        recipients = _notify(people, kind="loan_overdue", customer=loan.customer, message=message)
        LoanReminder.objects.create(loan=loan, sent_on=today, days_overdue=days, recipients=recipients)
        reminded.append(loan.number)

    result = {"overdue": len(late_paper), "expired": len(expired), "reminded": len(reminded)}
    if late_paper or expired or reminded:
        audit_record(actor=None, action="loan.overdue_sweep", obj=None,
                     summary={**result, "marked": sorted(loan.number for loan in late_paper),
                              "closed": sorted(loan.number for loan in expired), "reminded_loans": sorted(reminded)})
    return result
