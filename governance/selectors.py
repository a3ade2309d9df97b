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
