"""Exporting a filtered customer list to .xlsx (R10: exports are permission-checked and logged).

The rows come from selectors.customer_list, so an export holds exactly what its author may see
in the list. Every export leaves an ExportRecord (who, when, which filters, how many rows).
Small lists are written at once; larger ones by a Celery task with progress, like imports.
The headers are the import's labels: an exported file, edited, imports back as updates
matched on the archive number.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal, InvalidOperation
from typing import Callable

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation

from dangan.documents.storage import object_store
from dangan.governance import masking
from dangan.governance.services.access import access_record
from dangan.platform.errors import ApplicationError
from dangan.platform.logging import get_logger

from ..importing import errors, targets as targets_module
from ..importing.report import clean_cell, safe_cell
from ..models import Contact, CustomFieldDefinition, CustomFieldType, ExportRecord
from ..selectors import customer_list
from .imports import XLSX_TYPE, sanitize_file_name

log = get_logger(__name__)

# Written in the request up to this size (well under a second); beyond it, by the worker.
SYNC_EXPORT_MAX_ROWS = 2000
PROGRESS_EVERY = 500  # rows between progress updates of a running export
ID_FILTERS = ("category", "owner", "department", "grade", "region", "industry", "customer_type",
              "cooperation_project", "volume")
BOOL_FILTERS = ("is_key_customer", "overdue")
TEXT_FILTERS = ("state", "kind", "q")


def clean_filters(filters: dict | None) -> dict:
    """The customer_list filters worth recording; anything else is dropped."""
    cleaned: dict = {}
    for key, value in (filters or {}).items():
        if value in (None, "", []):
            continue
        if key in ID_FILTERS:
            cleaned[key] = int(value)
        elif key in BOOL_FILTERS:
            cleaned[key] = bool(value)
        elif key in TEXT_FILTERS or (key.startswith("custom.") and len(key) > 7):
            cleaned[key] = str(value)[:200]
    return cleaned


# --- columns ------------------------------------------------------------------------------------
def _local(value: dt.datetime | None):
    # Excel has no time zones: show the company's local time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _yes_no(value) -> str:
    return "是" if value else "否"


def _name(obj) -> str:
    return obj.name if obj is not None else ""


def _contact(index: int, part: str) -> Callable:
    def get(customer):
        contacts = customer.export_contacts
        return getattr(contacts[index], part) if index < len(contacts) else ""
    return get


def _other_contacts(customer, masker=None) -> str:
    rest = customer.export_contacts[targets_module.CONTACT_GROUPS:]
    phone = (lambda c: masker.value(customer, masking.PHONE, c.phone)) if masker else (lambda c: c.phone)
    return "；".join(" ".join(filter(None, [c.name, phone(c), c.email, c.position])) for c in rest)


def _masked(getter: Callable, masker, kind: str) -> Callable:
    return lambda customer: masker.value(customer, kind, getter(customer))


def _masked_custom(getter: Callable, masker, key: str) -> Callable:
    def get(customer):
        value = getter(customer)
        kind = masker.custom_kinds(customer.category_id).get(key)
        return masker.value(customer, kind, value) if kind else value
    return get


def _basic_getter(target: targets_module.Target) -> Callable:
    key = target.key
    if key == "owner":
        return lambda c: c.owner.email
    if target.kind == "ref":
        return lambda c: _name(getattr(c, key))
    if target.kind == "choice":
        return lambda c: getattr(c, f"get_{key}_display")()
    if target.kind == "bool":
        return lambda c: _yes_no(getattr(c, key))
    if key.startswith("contact"):
        group, part = key[len("contact"):].split("_", 1)
        return _contact(int(group or 1) - 1, part)
    return lambda c: getattr(c, key)


def _custom_value(value, kind: str | None = None):
    if kind == CustomFieldType.DECIMAL and isinstance(value, str):
        # Stored as text (no float rounding); a number in the sheet, so Excel sums and sorts it.
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    if isinstance(value, list):
        return "，".join(str(item) for item in value)
    if isinstance(value, bool):
        return _yes_no(value)
    return value


def _custom_columns(filters: dict, masker=None) -> list[tuple[str, Callable]]:
    definitions = CustomFieldDefinition.objects.filter(is_active=True, category__is_active=True)
    if filters.get("category"):
        definitions = definitions.filter(category_id=filters["category"])
    definitions = definitions.order_by("category__sort", "category_id", "sort", "pk")
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for definition in definitions:
        labels.setdefault(definition.key, definition.label)
        kinds.setdefault(definition.key, definition.field_type)
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    columns = []
    for key, label in labels.items():
        # The import recognises "label（key）" too, so an ambiguous label still maps back.
        header = label if counts[label] == 1 else f"{label}（{key}）"
        getter = lambda c, key=key: _custom_value((c.custom_fields or {}).get(key), kinds[key])  # noqa: E731
        columns.append((header, _masked_custom(getter, masker, key) if masker else getter))
    return columns


def _target_getter(target: targets_module.Target, masker) -> Callable:
    getter = _basic_getter(target)
    if masker is not None and target.key.startswith("contact") and target.key.endswith("_phone"):
        return _masked(getter, masker, masking.PHONE)
    return getter


def export_columns(filters: dict, masker=None) -> list[tuple[str, Callable]]:
    """(header, getter) pairs: the importable fields under their import labels, contacts, the
    life-cycle fields (read-only on import), then custom fields by label. With a `masker`,
    sensitive values read as that viewer may see them (governance/masking.py)."""
    with translation.override("zh-hans"):
        columns = [(target.label, _target_getter(target, masker))
                   for target in targets_module.targets_for("customers", [])]
        columns += [
            ("其他联系人", lambda c: _other_contacts(c, masker)),
            ("状态", lambda c: c.get_state_display()),
            ("保管人", lambda c: c.custodian.email if c.custodian else ""),
            ("建档人", lambda c: c.created_by.email),
            ("建档时间", lambda c: _local(c.created_at)),
            ("建档截止日期", lambda c: c.creation_due_on),
            ("最近更新核对日期", lambda c: c.last_reviewed_on),
            ("下次更新期限", lambda c: c.next_review_on),
            ("更新逾期", lambda c: _yes_no(c.review_overdue)),
            ("最近业务往来", lambda c: c.last_activity_on),
            ("档案夹/册", lambda c: c.volume.code if c.volume else ""),
        ]
    return columns + _custom_columns(filters, masker)


def _customers(*, user, filters: dict):
    # Every relation a column reads, whatever the list itself joins: one query per 1,000 rows.
    from dangan.governance.selectors import unclassified_q

    # Classified files (密级) never leave in an export, whoever asks: not even cleared viewers.
    return (customer_list(user=user, filters=filters).filter(unclassified_q())
            .select_related("category", "owner", "grade", "region", "industry", "department", "customer_type",
                            "cooperation_project", "custodian", "created_by", "volume")
            .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "sort", "pk"),
                                       to_attr="export_contacts")))


# --- services -----------------------------------------------------------------------------------
def export_start(*, actor, filters: dict | None = None) -> ExportRecord:
    """Record the export and write it — now if the list is small, else on the worker."""
    filters = clean_filters(filters)
    from dangan.governance.selectors import unclassified_q

    total = customer_list(user=actor, filters=filters).filter(unclassified_q()).count()
    record = ExportRecord.objects.create(created_by=actor, filters=filters, total_rows=total)
    access_record(actor=actor, action="export", obj=record, query=filters, result_count=total)
    if total <= SYNC_EXPORT_MAX_ROWS:
        return export_run(record_id=record.pk)
    from ..tasks import run_export

    record_id = record.pk
    transaction.on_commit(lambda: run_export.delay(record_id))
    return record


def export_run(*, record_id: int) -> ExportRecord:
    record = ExportRecord.objects.select_related("created_by").get(pk=record_id)
    if record.state not in (ExportRecord.State.PENDING, ExportRecord.State.RUNNING):
        return record  # a redelivered message
    ExportRecord.objects.filter(pk=record.pk).update(state=ExportRecord.State.RUNNING)
    try:
        _write(record)
    except Exception:
        log.exception("export_failed", export_id=record.pk)
        exc = ApplicationError(errors.EXPORT_CRASHED)
        ExportRecord.objects.filter(pk=record.pk).update(
            state=ExportRecord.State.FAILED, failure={"code": exc.code, "message": exc.message()},
            finished_at=timezone.now())
    record.refresh_from_db()
    return record


def _write(record: ExportRecord) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # The file holds what its author may see: sensitive values masked unless their role allows.
    columns = export_columns(record.filters, masking.Masker(record.created_by))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户档案")
    for index, (header, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) * 2 + 4))
    sheet.freeze_panes = "C2"
    bold = Font(bold=True)
    header_cells = []
    for header, _ in columns:
        # Custom fields' labels are the company's own text: XML cannot carry every character.
        cell = WriteOnlyCell(sheet, value=clean_cell(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    getters = [getter for _, getter in columns]
    count = 0
    with translation.override("zh-hans"):
        for customer in _customers(user=record.created_by, filters=record.filters).iterator(chunk_size=1000):
            sheet.append([safe_cell(sheet, _cell(getter(customer))) for getter in getters])
            count += 1
            if count % PROGRESS_EVERY == 0:
                ExportRecord.objects.filter(pk=record.pk).update(processed_rows=count)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    file_name = f"客户档案-{stamp}.xlsx"
    key = f"exports/{record.pk}/{sanitize_file_name(file_name)}"
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as out:
        workbook.save(out)
        out.seek(0)
        stored = object_store().put_stream(key, out, content_type=XLSX_TYPE)
    ExportRecord.objects.filter(pk=record.pk).update(
        state=ExportRecord.State.DONE, row_count=count, processed_rows=count, total_rows=count, file_name=file_name,
        file_key=key, file_size=stored["size"], finished_at=timezone.now())
    log.info("export_done", export_id=record.pk, rows=count)


def _cell(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _local(value) if timezone.is_aware(value) else value
    if isinstance(value, (str, int, float, bool, dt.date, Decimal)):
        return value
    return str(value)


def export_file_key(*, record: ExportRecord) -> str:
    if record.state != ExportRecord.State.DONE or not record.file_key:
        raise ApplicationError(errors.EXPORT_STATE, state=record.get_state_display())
    return record.file_key


def export_download_url(*, record: ExportRecord) -> str:
    """A presigned GET, valid for at most five minutes."""
    return object_store().presigned_get(export_file_key(record=record), filename=record.file_name)
