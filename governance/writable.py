"""Fields clients never set (R6): the services decide them. A request that names one is
refused with `field_not_writable` — loudly, not silently ignored, so a client that believes it
set a file's state, clearance or retention date learns at once that it did not.

The names cover every model that carries such a field: the company (tenant, schema), the
confidentiality level and clearances, life-cycle state and its stamps, retention dates and
rules, legal holds, archive numbers, and who created, filed, approved or recorded something.
Enforced for every API write (api/writable.py, a default DRF permission), the web forms that
write customer data, and the import's column mapping (archives/importing/targets.py has no
target for any of them).
"""
from __future__ import annotations

from collections.abc import Iterable

from dangan.platform.errors import ApplicationError

from . import errors

PROTECTED_FIELDS = frozenset({
    # the company: chosen by the host, never by the body
    "tenant", "tenant_id", "schema", "schema_name",
    # confidentiality (密级): set through the level service by authorized roles only
    "confidentiality", "confidentiality_id", "confidentiality_level", "confidentiality_level_id", "clearance",
    "clearance_level",
    # life cycle: changes through the actions (submit, approve, file …), each with its checks
    "state", "lifecycle_state", "submitted_at", "approved_by", "approved_at", "filed_by", "filed_at",
    "archived_at", "returned_reason", "review_overdue",
    # retention (R7): computed from the rules and the ledger
    "retain_until", "retention_rule", "retention_rule_id", "retention_basis",
    # legal holds: set and released through their own service
    "legal_hold", "legal_holds", "on_legal_hold",
    # numbering: the archive number is assigned once and never reused
    "archive_number",
    # who and when: the authenticated actor and the clock
    "created_by", "created_by_id", "created_at", "updated_at", "uploaded_by", "recorded_by",
    "search_vector",
})


def protected_in(names: Iterable[str], *, allowed: Iterable[str] = (), extra: Iterable[str] = ()) -> list[str]:
    protected = PROTECTED_FIELDS | set(extra)
    allowed = set(allowed)
    return sorted({str(name) for name in names if str(name) in protected and str(name) not in allowed})


def reject_protected_fields(names: Iterable[str], *, allowed: Iterable[str] = (), extra: Iterable[str] = ()) -> None:
    """Refuse a write that names any protected field (or one of `extra`, protected on this path
    alone); every such field is reported at once."""
    found = protected_in(names, allowed=allowed, extra=extra)
    if not found:
        return
    fields: dict[str, list] = {}
    for name in found:
        fields[name] = [{"code": errors.FIELD_NOT_WRITABLE.code,
                         "message": errors.FIELD_NOT_WRITABLE.message(name=name)}]
    raise ApplicationError(errors.FIELD_NOT_WRITABLE, fields=fields, name="、".join(found))
