"""Required-document checklists (R5): what a file must hold, how complete it is, and the
filing check.

A document counts towards an item when its type matches, its form matches (an item asking for
"original or copy" takes either) and it is really there: its scan is available or its paper
is located (a physical location is set). Its copies add up. Completeness is the share of
applicable items fully held; only `required` items stop filing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangan.archives.models import ArchiveCategory, Customer
from dangan.governance.services.audit import audit_record
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import Checklist, ChecklistItem, CustomerCompleteness, Document
from ._common import clean, require_configurer

OPERATORS = ("eq", "ne", "in", "set", "unset")


# --- conditions ------------------------------------------------------------------------------------

def condition_holds(condition: dict | None, custom_fields: dict) -> bool:
    if not condition:
        return True
    value = (custom_fields or {}).get(condition["field"])
    present = value not in (None, "", [])
    op = condition.get("op", "eq")
    if op == "set":
        return present
    if op == "unset":
        return not present
    values = {str(v) for v in value} if isinstance(value, list) else {str(value)} if present else set()
    expected = condition.get("value")
    if op == "in":
        return bool(values & {str(v) for v in (expected or [])})
    if op == "ne":
        return str(expected) not in values
    return str(expected) in values


def validate_condition(condition: dict | None, category: ArchiveCategory) -> dict | None:
    """A condition names an active custom field of the category, a known operator and, for
    choice fields, one of the field's choices."""
    if not condition:
        return None
    if not isinstance(condition, dict) or "field" not in condition:
        raise ApplicationError(errors.CONDITION_INVALID, field="condition", zh="须包含 field。", en="needs a field.")
    op = condition.get("op", "eq")
    if op not in OPERATORS:
        raise ApplicationError(errors.CONDITION_INVALID, field="condition", zh=f"未知运算 {op}。", en=f"unknown op {op}.")
    definition = category.fields.filter(key=condition["field"], is_active=True).first()
    if definition is None:
        raise ApplicationError(errors.CONDITION_INVALID, field="condition",
                               zh=f"类别中没有字段 {condition['field']}。", en=f"no field {condition['field']}.")
    value = condition.get("value")
    if op in ("eq", "ne", "in"):
        wanted = value if isinstance(value, list) else [value]
        # stored as jsonb: plain short values only (jsonb holds no NUL, and a condition compares text)
        if len(wanted) > 50 or not all(
                isinstance(v, (str, int, float, bool)) and "\x00" not in str(v) and len(str(v)) <= 200
                and not any("\ud800" <= ch <= "\udfff" for ch in str(v)) for v in wanted):
            raise ApplicationError(errors.CONDITION_INVALID, field="condition", zh="比较值无效。", en="invalid value.")
        if op != "in" and isinstance(value, list) or any(v in (None, "") for v in wanted):
            raise ApplicationError(errors.CONDITION_INVALID, field="condition", zh="缺少比较值。", en="value missing.")
        choices = definition.choice_values()
        if choices and not {str(v) for v in wanted} <= choices:
            raise ApplicationError(errors.CONDITION_INVALID, field="condition",
                                   zh=f"“{value}”不是字段选项。", en=f"“{value}” is not one of the field's choices.")
    return {"field": condition["field"], "op": op, **({"value": value} if op in ("eq", "ne", "in") else {})}


# --- completeness ----------------------------------------------------------------------------------

@dataclass
class ItemStatus:
    item: ChecklistItem
    have: int
    needed: int

    @property
    def complete(self) -> bool:
        return self.have >= self.needed

    def as_dict(self) -> dict:
        item = self.item
        return {"item": item.pk, "checklist": item.checklist.name, "document_type": item.document_type.code,
                "document_type_name": item.document_type.name, "original_or_copy": item.original_or_copy,
                "copies": self.needed, "have": self.have, "required": item.required, "note": item.note}

    def describe(self) -> tuple[str, str]:
        item = self.item
        form_zh = item.get_original_or_copy_display()
        return (f"{item.document_type.name}（{form_zh}）×{self.needed - self.have}",
                f"{item.document_type.code} ({item.original_or_copy}) ×{self.needed - self.have}")


@dataclass
class Completeness:
    percent: int
    items: list[ItemStatus] = field(default_factory=list)

    @property
    def missing(self) -> list[ItemStatus]:
        return [status for status in self.items if not status.complete]

    @property
    def required_missing(self) -> list[ItemStatus]:
        return [status for status in self.missing if status.item.required]


def applicable_items(customer: Customer) -> list[ChecklistItem]:
    items = ChecklistItem.objects.filter(
        is_active=True, checklist__is_active=True, checklist__category_id=customer.category_id,
    ).select_related("checklist", "document_type").order_by("checklist__sort", "checklist_id", "sort", "pk")
    fields = customer.custom_fields or {}
    return [item for item in items
            if condition_holds(item.checklist.condition, fields) and condition_holds(item.condition, fields)]


def _held_copies(customer_ids: list[int]) -> dict[int, dict[tuple[int, str], int]]:
    """customer → (type id, original/copy) → copies that are really there."""
    held: dict[int, dict[tuple[int, str], int]] = defaultdict(lambda: defaultdict(int))
    rows = Document.objects.filter(customer_id__in=customer_ids, deleted_at__isnull=True).filter(
        Q(state=Document.State.AVAILABLE) | Q(physical_location__isnull=False),
    ).values_list("customer_id", "document_type_id", "original_or_copy", "copies")
    for customer_id, type_id, form, copies in rows:
        held[customer_id][(type_id, form)] += copies
    return held


def _evaluate(items: list[ChecklistItem], held: dict[tuple[int, str], int]) -> Completeness:
    statuses = []
    for item in items:
        if item.original_or_copy == ChecklistItem.Form.EITHER:
            have = held.get((item.document_type_id, "original"), 0) + held.get((item.document_type_id, "copy"), 0)
        else:
            have = held.get((item.document_type_id, item.original_or_copy), 0)
        statuses.append(ItemStatus(item=item, have=have, needed=item.copies))
    complete = sum(1 for status in statuses if status.complete)
    percent = 100 if not statuses else (complete * 100) // len(statuses)
    return Completeness(percent=percent, items=statuses)


def completeness(customer: Customer) -> Completeness:
    return _evaluate(applicable_items(customer), _held_copies([customer.pk]).get(customer.pk, {}))


def _store(customer_id: int, result: Completeness) -> CustomerCompleteness:
    stored, _ = CustomerCompleteness.objects.update_or_create(customer_id=customer_id, defaults={
        "percent": result.percent, "required_missing": len(result.required_missing),
        "missing": [status.as_dict() for status in result.missing], "computed_at": timezone.now()})
    return stored


def completeness_refresh(customer: Customer) -> CustomerCompleteness:
    return _store(customer.pk, completeness(customer))


def recompute_category(category_id: int, *, batch: int = 500) -> int:
    """Every file of a category after its checklists changed (the background task)."""
    count = 0
    customers = Customer.objects.filter(category_id=category_id).only("pk", "category_id", "custom_fields") \
        .order_by("pk")
    last = 0
    while True:
        chunk = list(customers.filter(pk__gt=last)[:batch])
        if not chunk:
            return count
        held = _held_copies([customer.pk for customer in chunk])
        with transaction.atomic():
            for customer in chunk:
                _store(customer.pk, _evaluate(applicable_items(customer), held.get(customer.pk, {})))
        count += len(chunk)
        last = chunk[-1].pk


def assert_complete(*, customer: Customer) -> None:
    """Refuse (409 required_documents_missing, listing each missing item) while a required
    item is missing."""
    result = completeness(customer)
    missing = result.required_missing
    _store(customer.pk, result)
    if not missing:
        return
    described = [status.describe() for status in missing]
    fields = {"required_documents": [
        {"code": errors.REQUIRED_DOCUMENT_MISSING.code,
         "message": errors.REQUIRED_DOCUMENT_MISSING.message(zh=zh, en=en), "item": status.item.pk}
        for status, (zh, en) in zip(missing, described)]}
    raise ApplicationError(errors.REQUIRED_DOCUMENTS_MISSING, fields=fields,
                           missing_zh="、".join(zh for zh, _ in described),
                           missing_en="; ".join(en for _, en in described))


# --- configuration ---------------------------------------------------------------------------------

def _queue_recompute(category_id: int) -> None:
    from ..tasks import recompute_completeness

    transaction.on_commit(lambda: recompute_completeness.delay(category_id))


@transaction.atomic
def checklist_create(*, actor, category: ArchiveCategory, name: str, description: str = "",
                     condition: dict | None = None, sort: int = 0) -> Checklist:
    require_configurer(actor)
    checklist = Checklist(category=category, name=name, description=description,
                          condition=validate_condition(condition, category), sort=sort)
    clean(checklist)
    checklist.save()
    audit_record(actor=actor, action="checklist.create", obj=checklist,
                 summary={"category": category.code, "name": checklist.name, "condition": checklist.condition})
    _queue_recompute(category.pk)
    return checklist


@transaction.atomic
def checklist_update(*, actor, checklist: Checklist, **changes) -> Checklist:
    require_configurer(actor)
    checklist = Checklist.objects.select_for_update().select_related("category").get(pk=checklist.pk)
    condition_changed = "condition" in changes
    if condition_changed:
        checklist.condition = validate_condition(changes.pop("condition"), checklist.category)
    for name in ("name", "description", "sort", "is_active"):
        if name in changes:
            setattr(checklist, name, changes[name])
    clean(checklist)
    checklist.save()
    audit_record(actor=actor, action="checklist.update", obj=checklist,
                 summary={"category": checklist.category.code,
                          "fields": sorted([k for k in changes if k in ("name", "description", "sort", "is_active")]
                                           + (["condition"] if condition_changed else [])),
                          "condition": checklist.condition})
    _queue_recompute(checklist.category_id)
    return checklist


@transaction.atomic
def checklist_item_create(*, actor, checklist: Checklist, document_type, copies: int = 1,
                          original_or_copy: str = ChecklistItem.Form.COPY, required: bool = True,
                          condition: dict | None = None, note: str = "", sort: int = 0) -> ChecklistItem:
    from .documents import document_type_for

    require_configurer(actor)
    item = ChecklistItem(checklist=checklist, document_type=document_type_for(document_type), copies=copies,
                         original_or_copy=original_or_copy, required=required, note=note, sort=sort,
                         condition=validate_condition(condition, checklist.category))
    clean(item)
    item.save()
    audit_record(actor=actor, action="checklist_item.create", obj=item, summary=_item_summary(item))
    _queue_recompute(checklist.category_id)
    return item


def _item_summary(item: ChecklistItem, **extra) -> dict:
    return {"checklist": item.checklist_id, "document_type": item.document_type.code, "copies": item.copies,
            "original_or_copy": item.original_or_copy, "required": item.required, "condition": item.condition,
            **extra}


@transaction.atomic
def checklist_item_update(*, actor, item: ChecklistItem, **changes) -> ChecklistItem:
    return _item_change(actor=actor, item=item, action="checklist_item.update", changes=changes)


def _item_change(*, actor, item: ChecklistItem, action: str, changes: dict) -> ChecklistItem:
    from .documents import document_type_for

    require_configurer(actor)
    item = ChecklistItem.objects.select_for_update().select_related("checklist__category").get(pk=item.pk)
    changed = sorted(changes)
    if "document_type" in changes:
        item.document_type = document_type_for(changes.pop("document_type"))
    if "condition" in changes:
        item.condition = validate_condition(changes.pop("condition"), item.checklist.category)
    for name in ("copies", "original_or_copy", "required", "note", "sort", "is_active"):
        if name in changes:
            setattr(item, name, changes[name])
    clean(item)
    item.save()
    audit_record(actor=actor, action=action, obj=item, summary=_item_summary(item, fields=changed))
    _queue_recompute(item.checklist.category_id)
    return item


@transaction.atomic
def checklist_item_delete(*, actor, item: ChecklistItem) -> None:
    """Deactivates: documents linked to the item keep the link, and history keeps its meaning."""
    _item_change(actor=actor, item=item, action="checklist_item.delete", changes={"is_active": False})
