"""Masking of sensitive personal information (R6): ID numbers, phones, bank accounts.

The one place that knows which values are sensitive and how they read masked. Everything that
lets customer data leave the system — API outputs, web pages, exports, traceability — asks a
`Masker` built for the viewer; nobody keeps a copy of these rules.

Which values are sensitive:
- contacts' phones (Contact.phone) and the buyer's contact in the sales ledger
  (SalesLedgerEntry.buyer_contact);
- custom fields typed 身份证号 (cn_id) or 电话 (phone), and text fields the company named like an
  ID, account or phone number (证件号, 开户行账号, 手机 …), so a tenant-defined "bank account" text
  field is covered without a field type of its own.

Who sees them in clear is the company's MaskingPolicy (governance/models/masking.py): by
default the custodian and the file's own salesperson; everyone else sees e.g.
110***********1234 or 138****5678, and roles of the policy's reveal list may reveal one value
with a reason (governance/services/access.py: sensitive_value_reveal), which the query log
keeps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError

from . import errors

ID_NUMBER = "id_number"
PHONE = "phone"
ACCOUNT = "account"

# Text fields a company named like these hold the same kind of data as the typed fields.
_NAMED_LIKE = [
    (ID_NUMBER, re.compile(r"身份证|证件|护照|id_?(number|no|card)|passport", re.IGNORECASE)),
    (ACCOUNT, re.compile(r"账号|帐号|账户|帐户|卡号|bank|account|iban", re.IGNORECASE)),
    (PHONE, re.compile(r"手机|电话|phone|mobile|\btel\b", re.IGNORECASE)),
]
_TEXT_TYPES = ("text", "long_text")
_TYPED = {"cn_id": ID_NUMBER, "phone": PHONE}

# Sensitive plain model fields, by "app_label.model.field".
MODEL_FIELDS = {
    "archives.contact.phone": PHONE,
    "archives.salesledgerentry.buyer_contact": PHONE,
}
STAR = "*"


def _keep(text: str, head: int, tail: int) -> str:
    hidden = len(text) - head - tail
    return text[:head] + STAR * hidden + (text[-tail:] if tail else "")


def mask(value, kind: str):
    """The masked form of `value`, as long as the original: what stays visible is enough to
    recognise a number one already knows, never enough to use it (110***********1234,
    138****5678, 6222***********1234)."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    if isinstance(value, list):
        return [mask(item, kind) for item in value]
    text = str(value)
    size = len(text)
    if kind == ID_NUMBER and size >= 10:
        return _keep(text, 3, 4)
    if kind == ACCOUNT and size >= 12:
        return _keep(text, 4, 4)
    if kind == ACCOUNT and size >= 8:
        return _keep(text, 0, 4)
    if size >= 11:
        return _keep(text, 3, 4)
    if size >= 7:
        return _keep(text, 2, 2)
    return _keep(text, 0, 1) if size >= 4 else STAR * size


def masked_phone_sql(column: str) -> str:
    """SQL giving what mask(<column>, PHONE) gives, for rows PostgreSQL builds itself (a trace
    page's contacts, archives.selectors.trace_contacts_json). Kept beside mask(), and compared
    with it value by value in tests/governance/test_masking.py."""
    size = f"char_length({column})"
    return (f"CASE WHEN {column} IS NULL OR {column} = '' THEN {column} "
            f"WHEN {size} >= 11 THEN left({column}, 3) || repeat('{STAR}', {size} - 7) || right({column}, 4) "
            f"WHEN {size} >= 7 THEN left({column}, 2) || repeat('{STAR}', {size} - 4) || right({column}, 2) "
            f"WHEN {size} >= 4 THEN repeat('{STAR}', {size} - 1) || right({column}, 1) "
            f"ELSE repeat('{STAR}', {size}) END")


def definition_kind(field_type: str, key: str = "", label: str = "") -> str | None:
    """The sensitivity of a custom field definition, or None."""
    if field_type in _TYPED:
        return _TYPED[field_type]
    if field_type in _TEXT_TYPES:
        for kind, pattern in _NAMED_LIKE:
            if pattern.search(label or "") or pattern.search(key or ""):
                return kind
    return None


def custom_field_kinds() -> dict[int, dict[str, str]]:
    """{category id: {custom field key: kind}} for every sensitive definition (active or not:
    a deactivated field's stored values are still shown)."""
    from dangan.archives.models import CustomFieldDefinition

    kinds: dict[int, dict[str, str]] = {}
    for category_id, key, label, field_type in CustomFieldDefinition.objects.values_list(
            "category_id", "key", "label", "field_type"):
        kind = definition_kind(field_type, key, label)
        if kind:
            kinds.setdefault(category_id, {})[key] = kind
    return kinds


def keep_masked(submitted, stored, kind: str):
    """What to store when a client sends back a value it was shown masked: the stored value.
    A masked value is never written over the real one (a supervisor editing a file sees
    masked phones; saving the form must not replace them with stars)."""
    if stored not in (None, "") and isinstance(submitted, str) and STAR in submitted \
            and submitted == mask(stored, kind):
        return stored
    return submitted


def restore_contact_phones(incoming, stored_phones: list[str]):
    """Contacts as a client sent them back, each masked phone replaced by the stored phone it
    masks (the same row first, then any row: rows may have been reordered)."""
    if not isinstance(incoming, list):
        return incoming
    restored = []
    for index, row in enumerate(incoming):
        phone = row.get("phone") if isinstance(row, dict) else None
        if isinstance(phone, str) and STAR in phone:
            candidates = ([stored_phones[index]] if index < len(stored_phones) else []) + list(stored_phones)
            match = next((stored for stored in candidates if stored and mask(stored, PHONE) == phone.strip()), None)
            if match is not None:
                row = {**row, "phone": match}
        restored.append(row)
    return restored


def restore_custom_fields(incoming, stored: dict | None, category_id: int):
    """Custom values as a client sent them back, masked ones replaced by the stored values."""
    if not isinstance(incoming, dict) or not stored or not any(
            isinstance(value, str) and STAR in value for value in incoming.values()):
        return incoming
    kinds = custom_field_kinds().get(category_id, {})
    return {key: keep_masked(value, stored.get(key), kinds[key]) if key in kinds else value
            for key, value in incoming.items()}


def clear_files_q(viewer):
    """The files whose sensitive values `viewer` sees in clear, as a filter: filtering by such a
    value elsewhere would confirm a value the viewer only sees masked."""
    from django.db.models import Q

    from .models import MaskingPolicy

    policy = MaskingPolicy.load()
    if roles.role_names(viewer) & set(policy.clear_roles or []):
        return Q()
    if policy.owner_sees_clear and getattr(viewer, "pk", None):
        return Q(owner_id=viewer.pk)
    return Q(pk__in=[])


def sensitive_custom_keys() -> set[str]:
    return {key for kinds in custom_field_kinds().values() for key in kinds}


class Masker:
    """The masking rules for one viewer (build one per request or export, not per row)."""

    def __init__(self, viewer, policy=None):
        from .models import MaskingPolicy

        self.viewer = viewer
        self.policy = policy or MaskingPolicy.load()
        self.roles = roles.role_names(viewer)
        self._role_clear = bool(self.roles & set(self.policy.clear_roles or []))
        self._kinds: dict[int, dict[str, str]] | None = None

    # --- who ---------------------------------------------------------------------------------
    def sees_clear(self, customer) -> bool:
        if self._role_clear:
            return True
        return bool(self.policy.owner_sees_clear and getattr(self.viewer, "pk", None)
                    and customer.owner_id == self.viewer.pk)

    def may_reveal(self, customer) -> bool:
        return self.sees_clear(customer) or bool(self.roles & set(self.policy.reveal_roles or []))

    # --- what --------------------------------------------------------------------------------
    def custom_kinds(self, category_id: int) -> dict[str, str]:
        if self._kinds is None:
            self._kinds = custom_field_kinds()
        return self._kinds.get(category_id, {})

    def value(self, customer, kind: str, value):
        return value if self.sees_clear(customer) else mask(value, kind)

    def phone_rule(self) -> tuple[str, int | None]:
        """How this viewer sees phones, for SQL that masks them: ("clear", None) everywhere,
        ("owner", their id) in clear on the files they own and masked elsewhere, or ("masked",
        None) everywhere — what sees_clear decides file by file."""
        if self._role_clear:
            return "clear", None
        viewer = getattr(self.viewer, "pk", None)
        if self.policy.owner_sees_clear and viewer:
            return "owner", int(viewer)
        return "masked", None

    def contacts(self, customer, rows: list) -> list:
        """Contact rows (dicts with "phone"), masked for this viewer."""
        if self.sees_clear(customer) or not rows:
            return rows
        return [{**row, "phone": mask(row.get("phone"), PHONE)} if isinstance(row, dict) else row for row in rows]

    def custom_fields(self, customer, values: dict | None) -> dict | None:
        if not values or self.sees_clear(customer):
            return values
        kinds = self.custom_kinds(customer.category_id)
        return {key: mask(value, kinds[key]) if key in kinds else value for key, value in values.items()}

    def change_value(self, customer, field: str, value):
        """A value of the history or a change request (`field` as CustomerChange names it)."""
        if value in (None, "") or self.sees_clear(customer):
            return value
        if field == "contacts" and isinstance(value, list):
            return self.contacts(customer, value)
        if field.startswith("custom_fields."):
            kind = self.custom_kinds(customer.category_id).get(field.split(".", 1)[1])
            return mask(value, kind) if kind else value
        return value

    def change_values(self, customer, values: dict | None) -> dict | None:
        if not values:
            return values
        return {field: self.change_value(customer, field, value) for field, value in values.items()}

    def ledger_row(self, customer, row: dict) -> dict:
        if "buyer_contact" in row and not self.sees_clear(customer):
            return {**row, "buyer_contact": mask(row["buyer_contact"], PHONE)}
        return row

    def customer_output(self, customer, data: dict) -> dict:
        """A customer's API representation (CustomerDetailOutput) for this viewer."""
        if self.sees_clear(customer):
            return data
        data = dict(data)
        if "contacts" in data:
            data["contacts"] = self.contacts(customer, data["contacts"])
        if "custom_fields" in data:
            data["custom_fields"] = self.custom_fields(customer, data["custom_fields"])
        if data.get("pending_change_requests"):
            data["pending_change_requests"] = [self.change_request_output(customer, row)
                                               for row in data["pending_change_requests"]]
        return data

    def change_request_output(self, customer, row: dict) -> dict:
        return {**row, "changes": self.change_values(customer, row.get("changes")),
                "previous": self.change_values(customer, row.get("previous"))}

    def history_output(self, customer, row: dict) -> dict:
        field = row.get("field") or ""
        return {**row, "old_value": self.change_value(customer, field, row.get("old_value")),
                "new_value": self.change_value(customer, field, row.get("new_value"))}


# --- reveal ----------------------------------------------------------------------------------------

@dataclass
class SensitiveField:
    path: str  # contacts.0.phone, custom_fields.id_number, ledger.12.buyer_contact
    label: str
    kind: str
    value: str


def sensitive_fields(customer) -> list[SensitiveField]:
    """The file's sensitive values that hold something, in the order the file shows them
    (contacts as the API lists them, then custom fields in the category's order)."""
    fields = []
    for index, contact in enumerate(customer.contacts.all()):
        if contact.phone:
            fields.append(SensitiveField(f"contacts.{index}.phone", f"{contact.name} · 电话", PHONE, contact.phone))
    stored = customer.custom_fields or {}
    for definition in customer.category.fields.all():
        kind = definition_kind(definition.field_type, definition.key, definition.label)
        value = stored.get(definition.key)
        if kind and value not in (None, "", []):
            fields.append(SensitiveField(f"custom_fields.{definition.key}", definition.label, kind, str(value)))
    return fields


_LEDGER_PATH = re.compile(r"^ledger\.(\d{1,12})\.buyer_contact$")


def sensitive_value(customer, path: str) -> SensitiveField:
    """The clear value behind `path` on this file; reveal_field_unknown if the path names no
    sensitive value of it."""
    path = (path or "").strip()
    match = _LEDGER_PATH.match(path)
    if match:
        entry = customer.ledger_entries.filter(pk=int(match.group(1))).exclude(buyer_contact="").first()
        if entry is not None:
            return SensitiveField(path, "购货者联系方式", PHONE, entry.buyer_contact)
    else:
        for field in sensitive_fields(customer):
            if field.path == path:
                return field
    raise ApplicationError(errors.REVEAL_FIELD_UNKNOWN, field="field", name=path[:100])
