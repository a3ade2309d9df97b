"""Creating and changing customer files (R1, R3): direct edits, change requests, history."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangan.accounts import roles, two_factor
from dangan.governance import masking
from dangan.governance.services.audit import audit_record
from dangan.governance.services.retention import retention_recompute
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from .. import errors, numbering
from ..custom_fields import PHONE_PATTERN, clean_custom_values
from ..models import ArchiveCategory, ArchiveSettings, ChangeRequest, Contact, Customer, CustomerState, Department
from . import notifications
from ._common import department_for, jsonable, lock_customer, record_history, supervises, term_for
from .search_index import refresh_search

# Plain fields a client may set; everything else (state, numbers, reviewers, dates of the
# life cycle, version) is the services' to decide.
EDITABLE_FIELDS = [
    "name", "kind", "address", "company_size", "legal_representative", "trading_since", "assets",
    "service_area", "sales_capacity", "development_potential", "business_policy", "sales_performance",
    "cooperation_attitude", "competitor_relations", "credit_status", "trade_terms", "past_credit_problems",
    "is_key_customer", "first_contact_on",
]
CLASSIFICATION_FIELDS = {
    "industry": "industry", "region": "region", "customer_type": "customer_type",
    "cooperation_project": "cooperation_project", "grade": "grade",
}
MAX_CONTACTS = 50


def _messages(field, value) -> dict[str, str]:
    """Django's own validation message for `value`, in Chinese and in English."""
    from django.utils import translation

    out = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            try:
                field.clean(value, None)
                out[lang] = ""
            except ValidationError as exc:
                out[lang] = " ".join(str(message) for message in exc.messages)
    return out


def _clean_plain(data: dict) -> dict:
    """Validate plain fields with the model's own field rules; report every problem at once."""
    problems: dict[str, list] = {}
    cleaned = {}
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        field = Customer._meta.get_field(name)
        value = data[name]
        if value in (None, "") and field.get_internal_type() in ("CharField", "TextField"):
            value = ""
        elif value == "":
            value = None
        try:
            value = field.clean(value, None)
        except ValidationError:
            problems.setdefault(name, []).append({"code": "invalid", "message": _messages(field, value)})
            continue
        cleaned[name] = value.strip() if isinstance(value, str) else value
    if "name" in data and not cleaned.get("name") and "name" not in problems:
        problems["name"] = [{"code": errors.FIELD_REQUIRED.code, "message": errors.FIELD_REQUIRED.message()}]
    if problems:
        raise ApplicationError(platform_errors.VALIDATION_FAILED, fields=problems)
    return cleaned


def _clean_contacts(contacts) -> list[dict]:
    if contacts is None:
        return []
    if not isinstance(contacts, list) or len(contacts) > MAX_CONTACTS:
        raise ApplicationError(errors.FIELD_INVALID, field="contacts", zh=f"联系人须为列表（最多 {MAX_CONTACTS} 个）。",
                               en=f"contacts must be a list (at most {MAX_CONTACTS}).")
    problems: dict[str, list] = {}
    cleaned = []
    for index, item in enumerate(contacts):
        item = item or {}
        row = {
            "name": str(item.get("name") or "").strip()[:100],
            "phone": str(item.get("phone") or "").strip()[:40],
            "email": str(item.get("email") or "").strip().lower()[:254],
            "position": str(item.get("position") or "").strip()[:100],
            "is_primary": bool(item.get("is_primary")),
        }
        if not row["name"]:
            problems.setdefault(f"contacts.{index}.name", []).append(
                {"code": errors.FIELD_REQUIRED.code, "message": errors.FIELD_REQUIRED.message()})
        if row["phone"]:
            if not PHONE_PATTERN.match(row["phone"]):
                problems.setdefault(f"contacts.{index}.phone", []).append(
                    {"code": "invalid", "message": {"zh-hans": "请输入有效的电话号码。", "en": "Enter a valid phone number."}})
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                problems.setdefault(f"contacts.{index}.email", []).append(
                    {"code": "invalid", "message": {"zh-hans": "请输入有效的电子邮箱地址。", "en": "Enter a valid email address."}})
        cleaned.append(row)
    if problems:
        raise ApplicationError(platform_errors.VALIDATION_FAILED, fields=problems)
    if sum(1 for row in cleaned if row["is_primary"]) > 1:
        raise ApplicationError(errors.FIELD_INVALID, field="contacts", zh="只能有一个主要联系人。",
                               en="Only one contact may be primary.")
    if cleaned and not any(row["is_primary"] for row in cleaned):
        cleaned[0]["is_primary"] = True
    return cleaned


def _validated(*steps):
    """The result of each validation step (a callable), with every field problem of all of them
    reported at once: a form then shows all its mistakes in one round, not the contacts' only
    after the plain fields are fixed. A step's error that names no field is raised at once; when
    only one step fails its own error is raised unchanged (its code stays what clients know)."""
    results, failed = [], []
    for step in steps:
        try:
            results.append(step())
        except ApplicationError as exc:
            if not exc.fields:
                raise
            failed.append(exc)
            results.append(None)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        problems: dict[str, list] = {}
        for exc in failed:
            for key, items in exc.fields.items():
                problems.setdefault(key, []).extend(items)
        raise ApplicationError(platform_errors.VALIDATION_FAILED, fields=problems)
    return results


def _write_contacts(customer: Customer, contacts: list[dict]) -> None:
    customer.contacts.all().delete()
    Contact.objects.bulk_create([Contact(customer=customer, sort=index, **row) for index, row in enumerate(contacts)])


def _contacts_snapshot(customer: Customer) -> list[dict]:
    return [{"name": c.name, "phone": c.phone, "email": c.email, "position": c.position, "is_primary": c.is_primary}
            for c in customer.contacts.all()]


def _category(value) -> ArchiveCategory:
    if isinstance(value, ArchiveCategory):
        category = value
    elif value in (None, ""):
        raise ApplicationError(errors.CATEGORY_REQUIRED, field="category")
    else:
        text = str(value).strip()
        by_id = text.isascii() and text.isdigit()  # not "²": str.isdigit() says yes, int() refuses
        category = (ArchiveCategory.objects.filter(pk=int(text)).first() if by_id else None) \
            or ArchiveCategory.objects.filter(code=text).first() or ArchiveCategory.objects.filter(name=text).first()
        if category is None:
            raise ApplicationError(errors.CATEGORY_REQUIRED, field="category")
    if not category.is_active:
        raise ApplicationError(errors.CATEGORY_INACTIVE, field="category")
    return category


def _resolve_refs(data: dict) -> dict:
    """Classification terms and department from ids/codes/names, validated against their vocabularies."""
    problems: dict[str, list] = {}
    resolved = {}
    for field, scheme in CLASSIFICATION_FIELDS.items():
        if field in data:
            try:
                resolved[field] = term_for(scheme, data[field], field=field)
            except ApplicationError as exc:
                problems.update(exc.fields)
    if "department" in data:
        try:
            resolved["department"] = department_for(data["department"])
        except ApplicationError as exc:
            problems.update(exc.fields)
    if problems:
        raise ApplicationError(platform_errors.VALIDATION_FAILED, fields=problems)
    return resolved


@transaction.atomic
def customer_create(*, actor, category, name: str, owner=None, contacts: list | None = None,
                    custom_fields: dict | None = None, **data) -> Customer:
    """A new file starts as a draft owned by the person in direct contact, numbered by its
    category's scheme, due for submission within the company's deadline."""
    if roles.is_read_only_auditor(actor):
        raise ApplicationError(errors.FORBIDDEN)
    category = _category(category)
    owner = owner or actor
    check_owner_assignable(actor, owner)
    plain, refs, contact_rows, custom = _validated(
        lambda: _clean_plain({"name": name, **data}), lambda: _resolve_refs(data),
        lambda: _clean_contacts(contacts), lambda: clean_custom_values(category, custom_fields or {}))
    plain.setdefault("kind", category.default_kind)  # not given: what the category's files usually are
    settings = ArchiveSettings.load()
    first_contact = plain.get("first_contact_on") or timezone.localdate()
    customer = Customer(
        category=category, owner=owner, created_by=actor, custom_fields=custom,
        creation_due_on=first_contact + dt.timedelta(days=settings.creation_deadline_days),
        archive_number=numbering.next_archive_number(category=category, region=refs.get("region"),
                                                     department=refs.get("department")),
        **plain, **refs,
    )
    customer.first_contact_on = first_contact
    customer.save()
    _write_contacts(customer, contact_rows)
    refresh_search(customer)
    record_history(customer=customer, actor=actor, action="create",
                   changes={"archive_number": (None, customer.archive_number), "name": (None, customer.name)})
    audit_record(actor=actor, action="customer.create", obj=customer,
                 summary={"archive_number": customer.archive_number, "category": category.code})
    return customer


def owner_assignable(actor, owner) -> bool:
    """Whom a new file may be given to (R6): oneself; anyone active for custodians and tenant
    administrators; otherwise people of a department the actor belongs to or manages. Nobody
    hands a file to another department's salesperson."""
    if owner is None or not getattr(owner, "is_active", False):
        return False
    if owner.pk == actor.pk or roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN):
        return True
    return Department.objects.filter(members=owner).filter(Q(members=actor) | Q(manager=actor)).exists()


def check_owner_assignable(actor, owner) -> None:
    if not owner_assignable(actor, owner):
        from dangan.governance import errors as governance_errors

        raise ApplicationError(governance_errors.OWNER_NOT_ASSIGNABLE, field="owner")


def _may_edit(actor, customer: Customer) -> bool:
    return (actor.pk == customer.owner_id or roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN)
            or supervises(actor, customer.owner))


def _important(settings: ArchiveSettings, field: str) -> bool:
    return field in set(settings.important_fields or []) or (
        field.startswith("custom_fields.") and field.split(".", 1)[1] in set(settings.important_fields or []))


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: dict, reason: str = "",
                    expected_version: int | None = None) -> tuple[Customer, ChangeRequest | None]:
    """Apply an edit. On a filed file, changes to important fields become a change request
    that waits for a supervisor; the rest applies at once. Every change lands in history."""
    customer = lock_customer(customer, expected_version)
    if not _may_edit(actor, customer):
        raise ApplicationError(errors.FORBIDDEN)
    target_category = _category(data["category"]) if "category" in data else customer.category
    old_contacts = _contacts_snapshot(customer) if "contacts" in data else None

    def custom_values():
        if "custom_fields" not in data and target_category.pk == customer.category_id:
            return None
        # A value sent back as it was shown (masked, governance/masking.py) keeps the stored one.
        incoming = masking.restore_custom_fields(data.get("custom_fields") or {}, customer.custom_fields,
                                                 customer.category_id)
        return clean_custom_values(target_category, incoming, existing=customer.custom_fields)

    def contact_rows():
        if old_contacts is None:
            return None
        return _clean_contacts(masking.restore_contact_phones(
            data["contacts"], [contact["phone"] for contact in old_contacts]))

    plain, refs, custom, new_contacts = _validated(
        lambda: _clean_plain({k: v for k, v in data.items() if k in EDITABLE_FIELDS}),
        lambda: _resolve_refs(data), custom_values, contact_rows)
    changes: dict[str, tuple] = {}
    for field, value in {**plain, **refs}.items():
        old = getattr(customer, field)
        if old != value:
            changes[field] = (old, value)
    if target_category.pk != customer.category_id:
        changes["category"] = (customer.category, target_category)
    if custom is not None:
        for key in set(custom) | set(customer.custom_fields or {}):
            old, new = (customer.custom_fields or {}).get(key), custom.get(key)
            if old != new:
                changes[f"custom_fields.{key}"] = (old, new)
    if new_contacts is not None and new_contacts != old_contacts:
        changes["contacts"] = (old_contacts, new_contacts)
    if not changes:
        return customer, None

    settings = ArchiveSettings.load()
    held = {f: v for f, v in changes.items() if customer.is_filed and _important(settings, f)}
    direct = {f: v for f, v in changes.items() if f not in held}
    change_request = None
    if held:
        if not (reason or "").strip():
            raise ApplicationError(errors.REASON_REQUIRED, field="reason")
        if customer.change_requests.filter(state=ChangeRequest.State.PENDING).exists():
            raise ApplicationError(errors.CHANGE_REQUEST_PENDING)
        change_request = ChangeRequest.objects.create(
            customer=customer, reason=reason, requested_by=actor,
            changes={f: jsonable_value(new) for f, (old, new) in held.items()},
            previous={f: jsonable_value(old) for f, (old, new) in held.items()},
        )
        record_history(customer=customer, actor=actor, action="change_requested", reason=reason,
                       change_request=change_request, changes=held)
        audit_record(actor=actor, action="change_request.create", obj=change_request,
                     summary={"customer": customer.pk, "archive_number": customer.archive_number,
                              "fields": sorted(held)})
        notifications.change_requested(change_request, actor=actor)
    if direct:
        _apply(customer, direct)
        record_history(customer=customer, actor=actor, action="update", reason=reason, changes=direct)
        # Field names, never values: the chain outlives a destroyed file and must hold none of it.
        audit_record(actor=actor, action="customer.update", obj=customer,
                     summary={"archive_number": customer.archive_number, "fields": sorted(direct)})
    return customer, change_request


def jsonable_value(value):
    """Values as a change request stores them: model instances by primary key."""
    if hasattr(value, "pk"):
        return value.pk
    return jsonable(value)


def _apply(customer: Customer, changes: dict[str, tuple]) -> None:
    custom = dict(customer.custom_fields or {})
    for field, (old, new) in changes.items():
        if field == "contacts":
            _write_contacts(customer, new)
        elif field.startswith("custom_fields."):
            key = field.split(".", 1)[1]
            if new is None:
                custom.pop(key, None)
            else:
                custom[key] = new
        else:
            setattr(customer, field, new)
    customer.custom_fields = custom
    customer.version += 1
    customer.save()
    refresh_search(customer)
    if any(field.startswith("custom_fields.") or field == "category" for field in changes):
        retention_recompute(customer=customer)  # a contract end date (custom field) may count


def _decode_change(customer: Customer, field: str, value):
    """Turn a stored change-request value back into what the model field holds."""
    if field in CLASSIFICATION_FIELDS:
        return term_for(CLASSIFICATION_FIELDS[field], value, field=field)
    if field == "department":
        return department_for(value)
    if field == "category":
        return _category(value)
    if field in ("trading_since", "first_contact_on") and value:
        return dt.date.fromisoformat(value)
    return value


@transaction.atomic
def change_request_approve(*, actor, change_request: ChangeRequest, reason: str = "") -> Customer:
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if change_request.state != ChangeRequest.State.PENDING:
        raise ApplicationError(errors.CHANGE_REQUEST_DECIDED)
    customer = lock_customer(change_request.customer)
    _check_decider(actor, change_request, customer)
    changes = {}
    for field, value in change_request.changes.items():
        old = _contacts_snapshot(customer) if field == "contacts" else (
            (customer.custom_fields or {}).get(field.split(".", 1)[1]) if field.startswith("custom_fields.")
            else getattr(customer, field))
        changes[field] = (old, _decode_change(customer, field, value))
    _apply(customer, changes)
    change_request.state = ChangeRequest.State.APPROVED
    change_request.decided_by, change_request.decided_at = actor, timezone.now()
    change_request.decision_reason = reason
    change_request.save()
    record_history(customer=customer, actor=actor, action="change_approved", reason=change_request.reason,
                   change_request=change_request, changes=changes)
    audit_record(actor=actor, action="change_request.approve", obj=change_request,
                 summary={"customer": customer.pk, "archive_number": customer.archive_number,
                          "fields": sorted(changes)})
    notifications.change_decided(change_request, actor=actor)
    return customer


@transaction.atomic
def change_request_reject(*, actor, change_request: ChangeRequest, reason: str) -> ChangeRequest:
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if change_request.state != ChangeRequest.State.PENDING:
        raise ApplicationError(errors.CHANGE_REQUEST_DECIDED)
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    customer = change_request.customer
    _check_decider(actor, change_request, customer)
    change_request.state = ChangeRequest.State.REJECTED
    change_request.decided_by, change_request.decided_at = actor, timezone.now()
    change_request.decision_reason = reason
    change_request.save()
    record_history(customer=customer, actor=actor, action="change_rejected", reason=reason,
                   change_request=change_request)
    audit_record(actor=actor, action="change_request.reject", obj=change_request,
                 summary={"customer": customer.pk, "archive_number": customer.archive_number})
    notifications.change_decided(change_request, actor=actor)
    return change_request


def _check_decider(actor, change_request: ChangeRequest, customer: Customer) -> None:
    if actor.pk in (change_request.requested_by_id, customer.owner_id):
        raise ApplicationError(errors.SELF_REVIEW)
    if not (supervises(actor, customer.owner) or roles.is_tenant_admin(actor)):
        raise ApplicationError(errors.NOT_SUPERVISOR)
    # Under the company's two-factor rule only a session verified with a code decides (accounts/two_factor.py).
    two_factor.require_verified_approver(actor)


__all__ = ["customer_create", "customer_update", "change_request_approve", "change_request_reject",
           "CustomerState"]
