"""How stored values read on a page: custom-field values by their definitions, history rows
(old → new) in words. Presentation only — nothing here decides anything."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from dangan.archives.models import CustomFieldType, Customer, CustomerState
from dangan.governance import masking

ACTIONS = {
    "create": pgettext_lazy("history", "建档"),
    "update": pgettext_lazy("history", "修改"),
    "submit": pgettext_lazy("history", "提交审核"),
    "approve": pgettext_lazy("history", "审核通过"),
    "return": pgettext_lazy("history", "退回修改"),
    "file": pgettext_lazy("history", "归档保管"),
    "review": pgettext_lazy("history", "定期更新核对"),
    "archive": pgettext_lazy("history", "封存"),
    "reactivate": pgettext_lazy("history", "重新启用"),
    "change_requested": pgettext_lazy("history", "提交变更申请"),
    "change_approved": pgettext_lazy("history", "变更申请已批准"),
    "change_rejected": pgettext_lazy("history", "变更申请已驳回"),
}
STATE_LABELS = dict(CustomerState.choices)


@dataclass
class CustomValue:
    label: str
    value: str
    inactive: bool


def _date(text: str) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(text), "DATE_FORMAT")
    except (TypeError, ValueError):
        return str(text)


def custom_value_text(definition, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    kind = definition.field_type if definition else None
    labels = {str(c["value"]): c.get("label") or c["value"] for c in (definition.choices or [])} if definition else {}
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(labels.get(str(item), str(item)) for item in value)
    if kind == CustomFieldType.CHOICE:
        return labels.get(str(value), str(value))
    if kind == CustomFieldType.DATE:
        return _date(value)
    if kind in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def custom_values(customer: Customer, masker=None) -> list[CustomValue]:
    """The category's fields with this file's values, in the category's order; a deactivated
    field is shown only where the file still holds a value for it. Sensitive values read as
    the `masker`'s viewer may see them."""
    stored = customer.custom_fields or {}
    if masker is not None:
        stored = masker.custom_fields(customer, stored) or {}
    rows = []
    for definition in customer.category.fields.all():
        value = stored.get(definition.key)
        if not definition.is_active and value in (None, "", []):
            continue
        rows.append(CustomValue(definition.label, custom_value_text(definition, value), not definition.is_active))
    return rows


def field_label(customer: Customer, field: str) -> str:
    if field.startswith("custom_fields."):
        key = field.split(".", 1)[1]
        definition = next((d for d in customer.category.fields.all() if d.key == key), None)
        return definition.label if definition else key
    if field == "contacts":
        return _("联系人")
    if field == "state":
        return _("状态")
    try:
        return str(Customer._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def history_value(customer: Customer, field: str, value) -> str:
    """A stored history value in words: references by label, contacts as names and phones."""
    if value is None or value == "":
        return "—"
    if field == "state":
        return str(STATE_LABELS.get(value, value))
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if field == "contacts" and isinstance(value, list):
        return "；".join(" ".join(filter(None, [c.get("name"), c.get("phone")])) for c in value if isinstance(c, dict)) or "—"
    if field.startswith("custom_fields."):
        key = field.split(".", 1)[1]
        definition = next((d for d in customer.category.fields.all() if d.key == key), None)
        return custom_value_text(definition, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field in ("trading_since", "first_contact_on") and isinstance(value, str):
        return _date(value)
    return str(value)


@dataclass
class ContactRow:
    name: str
    position: str
    phone: str
    email: str
    is_primary: bool


def contact_rows(customer: Customer, masker) -> list[ContactRow]:
    """The file's contacts as the viewer may see them (phones masked unless allowed)."""
    return [ContactRow(c.name, c.position, masker.value(customer, masking.PHONE, c.phone), c.email, c.is_primary)
            for c in customer.contacts.all()]


@dataclass
class HistoryRow:
    at: dt.datetime
    actor: str
    action: str
    field: str
    old: str
    new: str
    reason: str
    show_values: bool


def history_rows(customer: Customer, changes, masker=None) -> list[HistoryRow]:
    rows = []
    for change in changes:
        if masker is not None:
            change.old_value = masker.change_value(customer, change.field, change.old_value)
            change.new_value = masker.change_value(customer, change.field, change.new_value)
        # A state action without fields has one row naming the new state; its "old" is unknown.
        state_only = change.field == "state" and change.old_value is None and change.action != "update"
        rows.append(HistoryRow(
            at=change.at, actor=change.actor.full_name, action=str(ACTIONS.get(change.action, change.action)),
            field="" if state_only else field_label(customer, change.field),
            old=history_value(customer, change.field, change.old_value),
            new=history_value(customer, change.field, change.new_value),
            reason=change.reason, show_values=not state_only))
    return rows


def change_request_rows(customer: Customer, change_request, masker=None) -> list[tuple[str, str, str]]:
    """(field, before, after) of a change request, in words."""
    rows = []
    for field, new in (change_request.changes or {}).items():
        old = (change_request.previous or {}).get(field)
        if masker is not None:
            old, new = masker.change_value(customer, field, old), masker.change_value(customer, field, new)
        rows.append((field_label(customer, field), _ref_text(field, old, customer), _ref_text(field, new, customer)))
    return rows


def _ref_text(field: str, value, customer: Customer) -> str:
    # Change requests keep references by primary key; name them for the reader.
    if isinstance(value, int) and not isinstance(value, bool) and field in (
            "industry", "region", "customer_type", "cooperation_project", "grade", "department", "category"):
        model = Customer._meta.get_field(field).related_model
        found = model.objects.filter(pk=value).first()
        return str(found) if found else str(value)
    return history_value(customer, field, value)
