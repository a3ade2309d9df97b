"""The query log (查询记录): one row per view, search, export, download or reveal."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dangan.accounts import roles
from dangan.platform.db import insert_instance
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import AccessRecord
from .audit import object_ref, plain_json

MAX_IDS = 500  # ids kept per record: a page of results, or the first ones of a large export


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return (request.META.get("REMOTE_ADDR") or None) if hasattr(request, "META") else None


# No transaction of its own: the record is one INSERT, and a BEGIN/COMMIT (or savepoint) pair
# around it was two of the eight statements of every list request.
def access_record(*, actor, action: str, obj=None, customer_ids=None, query: dict | None = None,
                  result_count: int | None = None, reason: str = "", request=None, ip: str | None = None,
                  api_key=None) -> AccessRecord:
    """Record who looked at what, when and (for sensitive actions) why. Sensitive actions
    without a reason are refused here, so no caller can forget to ask for one."""
    if action not in AccessRecord.Action.values:
        raise ApplicationError(errors.ACCESS_ACTION_INVALID, action=action)
    reason = (reason or "").strip()
    if action in AccessRecord.REASON_REQUIRED and not reason:
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    object_type, object_id = object_ref(obj)
    if api_key is None and request is not None:
        api_key = getattr(request, "auth", None)
    if not hasattr(api_key, "prefix"):
        api_key = None  # a session or token login, not an integration key
    ids = sorted({int(pk) for pk in (customer_ids or [])})
    record = AccessRecord(
        user=actor if getattr(actor, "pk", None) else None,
        user_name=getattr(actor, "full_name", "") or "", user_email=getattr(actor, "email", "") or "",
        roles=sorted(roles.role_names(actor)), via_api_key=getattr(api_key, "prefix", "")[:20] if api_key else "",
        action=action, object_type=object_type, object_id=object_id, customer_ids=ids[:MAX_IDS],
        query=plain_json(query or {}), result_count=result_count, reason=reason[:2000],
        ip=ip or _client_ip(request), at=timezone.now())
    # One prepared INSERT (the ORM's create() spent more CPU building it than PostgreSQL spent
    # running it, on every list and view); no signals hang off this append-only table.
    insert_instance(record)
    return record


def document_access_record(*, actor, action: str, version, request=None, ip: str | None = None,
                           api_key=None) -> AccessRecord:
    """A download or preview of one document version, filed under its customer."""
    document = version.document
    return access_record(actor=actor, action=action, obj=document, customer_ids=[document.customer_id],
                         query={"version": version.pk, "number": version.number}, request=request, ip=ip,
                         api_key=api_key)


# An export of the log is written in the request: beyond this, narrow the period.
ACCESS_LOG_EXPORT_MAX_ROWS = 100_000
EXPORT_HEADERS = ["时间", "查询人", "邮箱", "角色", "操作", "对象", "涉及档案", "查询条件", "结果数", "原因", "IP"]


def access_log_export(*, actor, filters: dict | None = None):
    """The query log as .xlsx for auditors (spooled to disk past 8 MB); the export of the log
    is itself logged. Returns (file, rows)."""
    import json
    import tempfile

    from django.utils import timezone
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from ..selectors import access_log

    records = access_log(user=actor, filters=filters)
    total = records.count()
    if total > ACCESS_LOG_EXPORT_MAX_ROWS:
        raise ApplicationError(errors.EXPORT_TOO_LARGE, limit=ACCESS_LOG_EXPORT_MAX_ROWS, count=total)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("查询记录")
    sheet.append(EXPORT_HEADERS)
    labels = dict(AccessRecord.Action.choices)

    def text(value: str):
        # Kept as text: a typed search such as "=cmd|…" must never become a formula.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell

    for record in records.order_by("at", "id").iterator(chunk_size=2000):
        sheet.append([
            timezone.localtime(record.at).replace(tzinfo=None), text(record.user_name), text(record.user_email),
            text("、".join(record.roles)), text(str(labels.get(record.action, record.action))),
            text(f"{record.object_type}:{record.object_id}" if record.object_type else ""),
            text(",".join(str(pk) for pk in record.customer_ids)),
            text(json.dumps(record.query, ensure_ascii=False) if record.query else ""),
            record.result_count, text(record.reason), text(record.ip or "")])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    access_record(actor=actor, action=AccessRecord.Action.ACCESS_LOG_EXPORT, query=filters or {}, result_count=total)
    return spool, total


@transaction.atomic
def sensitive_value_reveal(*, actor, customer, field: str, reason: str, request=None):
    """The clear value of one sensitive field of a file the actor can see. Only roles of the
    company's masking policy may ask, always with a reason; every reveal is in the query log
    (the value itself never is)."""
    from .. import masking

    if not masking.Masker(actor).may_reveal(customer):
        raise ApplicationError(errors.REVEAL_NOT_ALLOWED)
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    found = masking.sensitive_value(customer, field)
    access_record(actor=actor, action=AccessRecord.Action.REVEAL, obj=customer, customer_ids=[customer.pk],
                  query={"field": found.path, "label": found.label}, result_count=1, reason=reason,
                  request=request)
    return found
