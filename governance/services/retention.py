"""Retention (保管期限, R7): each file's retain-until date from its category's rule, and
legal holds (法律保全) that stop disposition."""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import LegalHold, RetentionRule
from .audit import actor_snapshot, audit_record

RULE_FIELDS = ["name", "fixed_years", "shelf_life", "years_after_expiry", "years_after_relationship_end",
               "years_after_last_sale", "contract_end_field", "years_after_contract_end"]
# Setting a hold protects evidence: management, auditors and administrators may. Releasing one
# lets a file be destroyed, so it takes management or an administrator.
HOLD_SETTERS = (roles.GENERAL_MANAGER, roles.DEPUTY_MANAGER, roles.AUDITOR, roles.TENANT_ADMIN)
HOLD_RELEASERS = (roles.GENERAL_MANAGER, roles.DEPUTY_MANAGER, roles.TENANT_ADMIN)


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` `years` later; past the calendar's end (year 9999) the last day it has."""
    year = day.year + years
    if year > dt.MAXYEAR:
        return dt.date.max
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year
        return day.replace(year=year, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > dt.MAXYEAR:  # a shelf life of a million months is a typo, not a crash
        return dt.date.max
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def rule_for(category_id: int) -> RetentionRule | None:
    return (RetentionRule.objects.filter(category_id=category_id).first()
            or RetentionRule.objects.filter(category__isnull=True).first())


def latest_expiry(customer_pk: int) -> dt.date | None:
    """The latest day any product sold to the customer is still within its shelf life."""
    from dangan.archives.models import SalesLedgerEntry

    latest = None
    for sale_date, months, expiry in SalesLedgerEntry.objects.filter(customer_id=customer_pk).values_list(
            "sale_date", "shelf_life_months", "expiry_date"):
        for candidate in (expiry, add_months(sale_date, months) if months else None):
            if candidate and (latest is None or candidate > latest):
                latest = candidate
    return latest


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def compute(customer, rule: RetentionRule | None) -> tuple[dt.date | None, dict]:
    """(retain_until, basis). The longest of the rule's components; None while any component
    waits for an event (not yet filed, relationship still going on, no contract end date)."""
    if rule is None:
        return None, {"rule": None}
    filed = timezone.localtime(customer.filed_at).date() if customer.filed_at else None
    components: dict[str, dict] = {}
    pending: list[str] = []

    def component(name: str, anchor: dt.date | None, years: int) -> None:
        if anchor is None:
            pending.append(name)
        else:
            components[name] = {"from": anchor.isoformat(), "years": years,
                                "until": add_years(anchor, years).isoformat()}

    if rule.fixed_years is not None:
        component("fixed", filed, rule.fixed_years)
    if rule.shelf_life:
        expiry = latest_expiry(customer.pk)
        if expiry is not None:  # nothing sold with a shelf life: this component asks for nothing
            component("shelf_life", expiry, rule.years_after_expiry)
    if rule.years_after_relationship_end is not None:
        ended = timezone.localtime(customer.archived_at).date() if customer.archived_at else None
        component("relationship_end", ended, rule.years_after_relationship_end)
    if rule.years_after_last_sale is not None:
        component("last_sale", customer.last_activity_on or filed, rule.years_after_last_sale)
    if rule.contract_end_field:
        component("contract_end", _date((customer.custom_fields or {}).get(rule.contract_end_field)),
                  rule.years_after_contract_end or 0)
    basis = {"rule": rule.pk, "rule_name": rule.name, "components": components, "pending": pending}
    if pending or not components:
        return None, basis
    name = max(components, key=lambda key: components[key]["until"])
    basis["component"] = name
    return dt.date.fromisoformat(components[name]["until"]), basis


@transaction.atomic
def retention_recompute(*, customer) -> dt.date | None:
    """Recompute a file's retain-until date (called on filing, archiving, ledger changes and
    rule changes, in the caller's transaction). Objects in storage are locked after commit
    where the bucket supports Object Lock."""
    from dangan.archives.models import Customer

    customer = Customer.objects.only("pk", "category_id", "filed_at", "archived_at", "last_activity_on",
                                     "custom_fields", "retain_until").get(pk=customer.pk)
    rule = rule_for(customer.category_id)
    until, basis = compute(customer, rule)
    Customer.objects.filter(pk=customer.pk).update(retain_until=until, retention_rule=rule, retention_basis=basis)
    if until is not None:
        pk = customer.pk
        transaction.on_commit(lambda: _lock_objects(pk, until))
    return until


def _lock_objects(customer_pk: int, until: dt.date) -> None:
    from ..stored_objects import customer_objects, lock_until

    lock_until([item["key"] for item in customer_objects(customer_pk) if "key" in item], until)


def _require_admin(actor) -> None:
    if not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.FORBIDDEN)


@transaction.atomic
def retention_rule_save(*, actor, category=None, **data) -> RetentionRule:
    """Create or change the rule of a category (or the default rule), then recompute the
    retain-until date of every file it governs."""
    from dangan.archives.models import Customer

    _require_admin(actor)
    rule = RetentionRule.objects.select_for_update().filter(
        **({"category": category} if category is not None else {"category__isnull": True})).first() \
        or RetentionRule(category=category)
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    if not rule.name:
        rule.name = f"{category.name}保管期限" if category is not None else "默认保管期限"
    if rule.contract_end_field and category is not None and not category.fields.filter(
            key=rule.contract_end_field, field_type="date").exists():
        raise ApplicationError(errors.RULE_FIELD_INVALID, field="contract_end_field", key=rule.contract_end_field)
    if not any([rule.fixed_years is not None, rule.shelf_life, rule.years_after_relationship_end is not None,
                rule.years_after_last_sale is not None, bool(rule.contract_end_field)]):
        raise ApplicationError(errors.RULE_EMPTY)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise ApplicationError(errors.RULE_NAME_TAKEN, field="name", name=rule.name) from exc
    governed = Customer.objects.all() if category is None else Customer.objects.filter(category=category)
    if category is None:  # the default governs categories without a rule of their own
        governed = governed.exclude(category__retention_rule__isnull=False)
    count = 0
    for customer in governed.only("pk").iterator(chunk_size=500):
        retention_recompute(customer=customer)
        count += 1
    audit_record(actor=actor, action="retention_rule.save", obj=rule,
                 summary={**{name: getattr(rule, name) for name in RULE_FIELDS},
                          "category": category.code if category is not None else None, "recomputed": count})
    return rule


@transaction.atomic
def legal_hold_set(*, actor, customer, reason: str) -> LegalHold:
    """A hold stops disposition of the file until released (and takes it off any open list)."""
    if not roles.has_role(actor, *HOLD_SETTERS) and not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.HOLD_NOT_ALLOWED)
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    hold = LegalHold.objects.create(customer=customer, reason=reason.strip(), set_by=actor_snapshot(actor))
    from .disposition import exclude_from_open_batches

    exclude_from_open_batches(customer_pk=customer.pk, note="法律保全")
    audit_record(actor=actor, action="legal_hold.set", obj=hold,
                 summary={"customer": customer.pk, "archive_number": customer.archive_number})
    return hold


@transaction.atomic
def legal_hold_release(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not roles.has_role(actor, *HOLD_RELEASERS) and not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.HOLD_NOT_ALLOWED)
    if hold.released_at is not None:
        raise ApplicationError(errors.HOLD_RELEASED)
    if not (reason or "").strip():
        raise ApplicationError(errors.REASON_REQUIRED, field="reason")
    hold.released_by, hold.released_at, hold.release_reason = actor_snapshot(actor), timezone.now(), reason.strip()
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    audit_record(actor=actor, action="legal_hold.release", obj=hold, summary={"customer": hold.customer_id})
    return hold
