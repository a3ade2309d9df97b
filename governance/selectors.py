"""Reads of the governance app, with their access rules applied (never only in views)."""
from __future__ import annotations

from django.db.models import QuerySet

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError

from . import errors
from .models import AuditEvent


def require_auditor(user) -> None:
    """The audit chain and the query log are for auditors (审计) alone: administrators run the
    system, auditors check it, and nobody audits themselves."""
    if not roles.has_role(user, roles.AUDITOR):
        raise ApplicationError(errors.AUDITOR_ONLY)


def audit_events(*, user, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Filters: action, object_type, object_id, actor (user id), since/until (datetimes)."""
    require_auditor(user)
    filters = filters or {}
    events = AuditEvent.objects.all()
    for name in ("action", "object_type", "object_id"):
        if filters.get(name):
            events = events.filter(**{name: filters[name]})
    if filters.get("actor"):
        events = events.filter(actor__id=filters["actor"])
    if filters.get("since"):
        events = events.filter(at__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(at__lt=filters["until"])
    return events


def audit_verification(*, user, check_storage: bool = True) -> dict:
    from .verification import verify_chain

    require_auditor(user)
    return verify_chain(check_storage=check_storage)


def access_log(*, user, filters: dict | None = None):
    """The query log, for auditors. Filters: user (id), action, customer (id), since, until."""
    from .models import AccessRecord

    require_auditor(user)
    filters = filters or {}
    records = AccessRecord.objects.all()
    if filters.get("user"):
        records = records.filter(user_id=filters["user"])
    if filters.get("action"):
        records = records.filter(action=filters["action"])
    if filters.get("customer"):
        records = records.filter(customer_ids__contains=[int(filters["customer"])])
    if filters.get("since"):
        records = records.filter(at__gte=filters["since"])
    if filters.get("until"):
        records = records.filter(at__lt=filters["until"])
    return records


# Who reads destruction lists and records: keepers, management, the office, auditors, and
# anyone who holds a role of the approval chain (they must see what they approve).
DISPOSITION_READERS = (roles.CUSTODIAN, roles.TENANT_ADMIN, roles.AUDITOR, roles.GENERAL_MANAGER,
                       roles.DEPUTY_MANAGER, roles.OFFICE)


def require_disposition_reader(user) -> None:
    from .services.disposition import chain_steps

    if roles.is_tenant_admin(user) or roles.has_role(user, *DISPOSITION_READERS):
        return
    if roles.has_role(user, *[step["role"] for step in chain_steps()]):
        return
    raise ApplicationError(errors.FORBIDDEN)


def disposition_batches(*, user):
    from .models import DispositionBatch

    require_disposition_reader(user)
    return DispositionBatch.objects.select_related("submitted_by")


def disposition_batch(*, user, pk: int):
    from django.db.models import Prefetch

    from .models import DispositionApproval

    return (disposition_batches(user=user)
            .prefetch_related("items", Prefetch("approvals", queryset=DispositionApproval.objects.order_by(
                "round", "step")))
            .filter(pk=pk).first())


def destruction_records(*, user):
    from .models import DestructionRecord

    require_disposition_reader(user)
    return DestructionRecord.objects.select_related("batch")


def customer_retention(*, user, pk: int):
    """The file's retention and holds, for those who may see the file."""
    from dangan.archives.selectors import customers_visible_to

    return customers_visible_to(user).select_related("retention_rule").prefetch_related("legal_holds") \
        .filter(pk=pk).first()


def retention_rules():
    from .models import RetentionRule

    return RetentionRule.objects.select_related("category").order_by("category__sort", "pk")


# --- confidentiality (密级) ------------------------------------------------------------------------
# The viewing rule, one place for the API, the web, exports and search. A file or document is
# classified when its level (for a document: the stricter of its own and its file's) has
# `requires_approval` (by default 秘密 and 机密). Its content is shown to a user who can see the
# file by ordinary scoping (archives.selectors.customers_in_scope) AND
#   - holds a live access grant (approved request or electronic loan) for the file — which also
#     covers its documents — or for that document; or
#   - is a member (or the manager) of the file's owning department AND has a clearance whose rank
#     is at least the level's.
# Nobody else: not the owner, not administrators, not custodians without clearance. Files the rule
# hides do not exist for the user (lists, search, detail → 404, records, documents, traceability);
# classified files and documents never leave as files (no presigned download, no export) whoever
# asks — they are read as watermarked page images (governance/watermark.py).

def _now():
    from django.db.models.functions import Now

    return Now()


def _classified_level_ids():
    from .models import ConfidentialityLevel

    return ConfidentialityLevel.objects.filter(requires_approval=True).values("pk")


def _cleared_level_ids(user):
    """Levels at or below the user's clearance (none without one)."""
    from django.db.models import Subquery

    from .models import ConfidentialityLevel

    code = getattr(user, "clearance", "") or ""
    if not code:
        return None
    rank = ConfidentialityLevel.objects.filter(code=code).values("rank")[:1]
    return ConfidentialityLevel.objects.filter(rank__lte=Subquery(rank)).values("pk")


def _member_department_ids(user):
    from django.db.models import Q

    from dangan.archives.models import Department

    return Department.objects.filter(Q(members__pk=user.pk) | Q(manager_id=user.pk)).values("pk")


def _live_grants(user):
    from .models import AccessGrant

    return AccessGrant.objects.filter(user_id=getattr(user, "pk", None), revoked_at__isnull=True, until__gt=_now())


def _accessible_classified_q(user):
    """On Customer: the classified files `user` may read (a live file grant, or clearance and
    membership of the file's department)."""
    from django.db.models import Q

    allowed = Q(id__in=_live_grants(user).filter(document__isnull=True).values("customer_id"))
    cleared = _cleared_level_ids(user)
    if cleared is not None:
        allowed |= Q(department__in=_member_department_ids(user), confidentiality__in=cleared)
    return allowed


def file_content_q(user, prefix: str = ""):
    """A filter (no extra round trip: subqueries only) keeping the customer files — reached
    through `prefix`, e.g. "customer__" — whose content `user` may see. Through a prefix it is
    one `NOT IN (hidden files)` on the row's own key: no join to the customer table."""
    from django.db.models import Q

    from dangan.archives.models import Customer

    if prefix:
        # `isnull=False` lets PostgreSQL use the partial index of classified files.
        hidden = Customer.objects.filter(confidentiality__isnull=False, confidentiality__in=_classified_level_ids())
        if getattr(user, "pk", None) is not None:
            hidden = hidden.exclude(_accessible_classified_q(user))
        return ~Q(**{f"{prefix}id__in": hidden.values("pk")})
    allowed = Q(confidentiality__isnull=True) | ~Q(confidentiality__in=_classified_level_ids())
    if getattr(user, "pk", None) is not None:
        allowed |= _accessible_classified_q(user)
    return allowed


def document_content_q(user, prefix: str = ""):
    """The same for documents reached through `prefix` ("" for Document, "document__" for a
    version): a grant for the document itself, or access to the file plus access to the
    document's own level (a file grant covers its documents)."""
    from django.db.models import Q

    from dangan.archives.models import Customer

    p = prefix
    own = Q(**{f"{p}confidentiality__isnull": True}) | ~Q(**{f"{p}confidentiality__in": _classified_level_ids()})
    if getattr(user, "pk", None) is None:
        return own & file_content_q(user, f"{p}customer__")
    grants = _live_grants(user)
    own |= Q(**{f"{p}customer_id__in": grants.filter(document__isnull=True).values("customer_id")})
    cleared = _cleared_level_ids(user)
    if cleared is not None:
        members_files = Customer.objects.filter(department__in=_member_department_ids(user)).values("pk")
        own |= Q(**{f"{p}customer_id__in": members_files, f"{p}confidentiality__in": cleared})
    return (Q(**{f"{p}id__in": grants.filter(document__isnull=False).values("document_id")})
            | (file_content_q(user, f"{p}customer__") & own))


def unclassified_q(prefix: str = ""):
    """Files (through `prefix`) that are not classified: what an export may contain."""
    from django.db.models import Q

    return Q(**{f"{prefix}confidentiality__isnull": True}) | ~Q(**{f"{prefix}confidentiality__in":
                                                                   _classified_level_ids()})


def effective_level(customer, document=None):
    """The level that governs: the file's, or for a document the higher-ranked of its own and
    its file's (None: unclassified)."""
    levels = [level for level in (customer.confidentiality if customer.confidentiality_id else None,
                                  document.confidentiality if document is not None and document.confidentiality_id
                                  else None) if level is not None]
    return max(levels, key=lambda level: level.rank) if levels else None


def is_classified(customer, document=None) -> bool:
    level = effective_level(customer, document)
    return bool(level and level.requires_approval)


def has_live_access_grant(user, customer, document=None) -> bool:
    """A grant not revoked and not expired, for the file (covering its documents) or, when a
    document is named, for that document."""
    from django.db.models import Q

    if getattr(user, "pk", None) is None:
        return False
    grants = _live_grants(user).filter(customer_id=customer.pk)
    if document is None:
        grants = grants.filter(document__isnull=True)
    else:
        grants = grants.filter(Q(document__isnull=True) | Q(document_id=document.pk))
    return grants.exists()


def is_department_member(user, customer) -> bool:
    from django.db.models import Q

    from dangan.archives.models import Department

    if customer.department_id is None or getattr(user, "pk", None) is None:
        return False
    return Department.objects.filter(Q(members__pk=user.pk) | Q(manager_id=user.pk),
                                      pk=customer.department_id).exists()


def clearance_rank(user) -> int | None:
    from .models import ConfidentialityLevel

    code = getattr(user, "clearance", "") or ""
    if not code:
        return None
    return ConfidentialityLevel.objects.filter(code=code).values_list("rank", flat=True).first()


def can_view_content(user, customer, document=None) -> bool:
    """The rule above for one file (or document); the caller has checked ordinary scoping."""
    level = effective_level(customer, document)
    if level is None or not level.requires_approval:
        return True
    if has_live_access_grant(user, customer, document):
        return True
    rank = clearance_rank(user)
    return rank is not None and rank >= level.rank and is_department_member(user, customer)


def confidentiality_levels():
    from .models import ConfidentialityLevel

    return ConfidentialityLevel.objects.order_by("rank")


def confidentiality_policy():
    from .models import ConfidentialityPolicy

    from .services.confidentiality import DEFAULT_APPROVER_ROLES

    policy = ConfidentialityPolicy.objects.order_by("pk").first()
    return policy or ConfidentialityPolicy(approver_roles=list(DEFAULT_APPROVER_ROLES))


def access_requests_of(*, user):
    """The user's own access requests."""
    from .models import AccessRequest

    return AccessRequest.objects.filter(requester_id=user.pk).select_related("customer", "document", "grant")


def access_requests_to_decide(*, user):
    """Pending requests `user` may decide: holds an approver role, never their own request,
    and the file within their ordinary scope."""
    from dangan.archives.selectors import customers_in_scope

    from .models import AccessRequest

    if not roles.has_role(user, *confidentiality_policy().approver_roles):
        return AccessRequest.objects.none()
    return (AccessRequest.objects.filter(state=AccessRequest.State.PENDING, customer__in=customers_in_scope(user))
            .exclude(requester_id=user.pk).select_related("customer", "document", "requester"))


# Who manages levels, sees the register of classified files and every grant: keepers and admins.
CONFIDENTIALITY_MANAGERS = (roles.CUSTODIAN, roles.TENANT_ADMIN)


def manages_confidentiality(user) -> bool:
    return roles.is_tenant_admin(user) or roles.has_role(user, *CONFIDENTIALITY_MANAGERS)


def access_grants(*, user, filters: dict | None = None):
    """Grants: a manager or auditor sees all, anyone else their own. Filters: customer, user,
    live (bool)."""
    from .models import AccessGrant

    filters = filters or {}
    grants = AccessGrant.objects.select_related("customer", "document", "user")
    if not (manages_confidentiality(user) or roles.has_role(user, roles.AUDITOR)):
        grants = grants.filter(user_id=user.pk)
    if filters.get("customer"):
        grants = grants.filter(customer_id=filters["customer"])
    if filters.get("user"):
        grants = grants.filter(user_id=filters["user"])
    if filters.get("live") is True:
        grants = grants.filter(revoked_at__isnull=True, until__gt=_now())
    elif filters.get("live") is False:
        from django.db.models import Q

        grants = grants.filter(Q(revoked_at__isnull=False) | Q(until__lte=_now()))
    return grants


def classified_files(*, user):
    """The register of classified files: existence only (number, level, department) — the
    content stays behind the viewing rule. Keepers see all of them; anyone else those they
    could ask to read: in their ordinary scope and of a department they belong to."""
    from dangan.archives.models import Customer
    from dangan.archives.selectors import customers_in_scope

    files = Customer.objects.all()
    if not manages_confidentiality(user):
        files = customers_in_scope(user).filter(department__in=_member_department_ids(user))
    return (files.filter(confidentiality__isnull=False, confidentiality__in=_classified_level_ids())
            .select_related("confidentiality", "department").only(
                "pk", "archive_number", "confidentiality", "department", "state", "created_at")
            .order_by("archive_number"))


# --- the borrowing register (借阅登记) and the contract pick-up register (合同领取登记) ---------------
# Loans are seen by the people they concern — the borrower, the approver, the heads of the
# borrower's departments — and company-wide by the roles that see every file (custodians who
# lend, auditors, management, the office). The pick-up register holds customers' signatures and
# ID numbers: custodians, auditors and administrators only.

LOAN_RELATED = ("customer", "document", "borrower", "approver", "lent_by", "returned_to", "location")
PICKUP_READERS = (roles.CUSTODIAN, roles.AUDITOR, roles.TENANT_ADMIN)


def requestable_customers(user, *, medium: str | None = None):
    """Files `user` may ask to borrow. Electronic loans: the files of their ordinary scope (a
    grant opens a classified file there; it never widens the scope). Paper originals: those,
    and the files of their own departments (a colleague's folder, fetched from the archive)."""
    from django.db.models import Q

    from dangan.archives.models import Customer
    from dangan.archives.selectors import customers_in_scope, sees_every_customer

    if sees_every_customer(user):
        return Customer.objects.all()
    scope = Q(pk__in=customers_in_scope(user).values("pk"))
    if medium == "electronic":
        return Customer.objects.filter(scope)
    from dangan.archives.models import Department

    own_departments = Department.objects.filter(Q(members__pk=user.pk) | Q(manager_id=user.pk)).values("pk")
    return Customer.objects.filter(scope | Q(department__in=own_departments))


def loans_visible_to(user):
    from django.db.models import Q

    from dangan.archives.models import Department
    from dangan.archives.selectors import sees_every_customer, visible_department_ids

    from .models import Loan

    loans = Loan.objects.all()
    if sees_every_customer(user):
        return loans
    mine = Q(borrower_id=user.pk) | Q(approver_id=user.pk)
    if roles.has_role(user, roles.SUPERVISOR, roles.DEPARTMENT_MANAGER):
        team = Department.members.through.objects.filter(
            department_id__in=visible_department_ids(user)).values("user_id")
        mine |= Q(borrower_id__in=team)
    return loans.filter(mine)


def loan_list(*, user, filters: dict | None = None):
    """Filters: state, medium, customer (id), borrower (id), mine (my loans), to_decide (requests
    I may decide now), open (lent or overdue), q (archive or register number, prefix)."""
    from django.db.models import Q

    from .models import Loan

    filters = filters or {}
    loans = loans_visible_to(user).select_related(*LOAN_RELATED)
    for name in ("state", "medium"):
        if filters.get(name):
            loans = loans.filter(**{name: filters[name]})
    for name in ("customer", "borrower"):
        if filters.get(name):
            loans = loans.filter(**{f"{name}_id": filters[name]})
    if filters.get("mine"):
        loans = loans.filter(borrower_id=user.pk)
    if filters.get("open"):
        loans = loans.filter(state__in=Loan.OPEN_STATES)
    if filters.get("q"):
        text = str(filters["q"]).strip()
        loans = loans.filter(Q(archive_number__istartswith=text) | Q(number__istartswith=text))
    if filters.get("to_decide"):
        loans = loans.filter(pk__in=[loan.pk for loan in loans_awaiting_decision(user=user)])
    return loans


def loan_detail(*, user, pk: int):
    return loans_visible_to(user).select_related(*LOAN_RELATED).prefetch_related("reminders").filter(pk=pk).first()


# Requests one person can be asked to decide at once; more is a staffing problem, not a paging one.
AWAITING_LIMIT = 500


def loans_awaiting_decision(*, user) -> list:
    """Requests `user` may approve or reject now (the service's own rule, asked per request)."""
    from dangan.platform.errors import ApplicationError as _Refused

    from .models import Loan
    from .services.borrowing import DecisionRights

    rights = DecisionRights(user)
    if not rights.held:
        return []
    decidable = []
    for loan in loans_visible_to(user).filter(state=Loan.State.REQUESTED).select_related(
            "customer__confidentiality", "document__confidentiality", "borrower").order_by("requested_at")[
            :AWAITING_LIMIT]:
        try:
            rights.role_for(loan)
        except _Refused:
            continue
        decidable.append(loan)
    return decidable


def loan_actions(*, user, loans) -> dict[int, set[str]]:
    """The buttons each loan gets for `user`: only what the services would accept now
    (approve/reject, cancel, lend, return). The services check again when pressed."""
    from .models import Loan
    from .services.borrowing import HANDLER_ROLES

    handler = user.is_active and (roles.is_tenant_admin(user) or roles.has_role(user, *HANDLER_ROLES))
    requested = [loan for loan in loans if loan.state == Loan.State.REQUESTED]
    decidable = {loan.pk for loan in loans_awaiting_decision(user=user)} if requested else set()
    actions = {}
    for loan in loans:
        found = set()
        if loan.pk in decidable:
            found |= {"approve", "reject"}
        if loan.borrower_id == user.pk and loan.state in (Loan.State.REQUESTED, Loan.State.APPROVED):
            found.add("cancel")
        if handler and loan.borrower_id != user.pk:
            if loan.state == Loan.State.APPROVED:
                found.add("lend")
            if loan.state in Loan.OPEN_STATES:
                found.add("return")
        actions[loan.pk] = found
    return actions


def open_paper_loans(*, customer):
    """What of the file's paper is out now, where it came from and who holds it (the 360 page)."""
    from .models import Loan

    return (Loan.objects.filter(customer=customer, medium=Loan.Medium.PAPER, state__in=Loan.OPEN_STATES)
            .select_related("borrower", "document", "location").order_by("due_date"))


def paper_loan_of_document(document):
    """The open paper loan holding this document (its own, or its whole file's), or None."""
    from django.db.models import Q

    from .models import Loan

    return (Loan.objects.filter(customer_id=document.customer_id, medium=Loan.Medium.PAPER,
                                state__in=Loan.OPEN_STATES)
            .filter(Q(document__isnull=True) | Q(document_id=document.pk)).select_related("borrower").first())


def require_pickup_reader(user) -> None:
    if not (roles.is_tenant_admin(user) or roles.has_role(user, *PICKUP_READERS)):
        raise ApplicationError(errors.PICKUP_READER_REQUIRED)


def pickup_list(*, user, filters: dict | None = None):
    """Filters: customer (id), taken (original/copy), since/until (dates, inclusive), q (archive
    number prefix or signer name)."""
    from django.db.models import Prefetch, Q

    from dangan.documents.models import Document

    from .models import ContractPickup

    require_pickup_reader(user)
    filters = filters or {}
    # The pick-ups of a classified file the reader may not see do not exist for them either.
    pickups = ContractPickup.objects.filter(file_content_q(user, "customer__")).select_related(
        "customer", "handled_by").prefetch_related(
        Prefetch("documents", queryset=Document.objects.only("pk", "title", "customer_id").order_by("pk")))
    if filters.get("customer"):
        pickups = pickups.filter(customer_id=filters["customer"])
    if filters.get("taken"):
        pickups = pickups.filter(taken=filters["taken"])
    if filters.get("since"):
        pickups = pickups.filter(picked_up_at__date__gte=filters["since"])
    if filters.get("until"):
        pickups = pickups.filter(picked_up_at__date__lte=filters["until"])
    if filters.get("q"):
        text = str(filters["q"]).strip()
        pickups = pickups.filter(Q(customer__archive_number__istartswith=text) | Q(signer_name__icontains=text))
    return pickups


def pickup_detail(*, user, pk: int):
    return pickup_list(user=user).filter(pk=pk).first()


def disposition_batches_awaiting(*, user, limit: int = 20) -> list:
    """Destruction lists whose current step `user` could decide now: the step's role held, not
    the submitter, and no decision of theirs in this round (the service checks all of it again)."""
    from .models import DispositionBatch

    held = roles.role_names(user)
    if not held:
        return []
    waiting = []
    for batch in DispositionBatch.objects.filter(stage=DispositionBatch.Stage.PENDING).order_by("submitted_at")[:200]:
        step = batch.steps[batch.current_step] if batch.current_step < len(batch.steps) else None
        if step is None or step["role"] not in held or batch.submitted_by_id == user.pk:
            continue
        if batch.approvals.filter(round=batch.round, approver=user).exists():
            continue
        waiting.append(batch)
        if len(waiting) >= limit:
            break
    return waiting
