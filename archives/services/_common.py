"""Helpers shared by the archives services."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import ClassificationScheme, ClassificationTerm, Customer, CustomerChange, Department


def jsonable(value):
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_history(*, customer: Customer, actor, action: str, changes: dict | None = None, reason: str = "",
                   change_request=None) -> None:
    """One history row per changed field (or one row for a state action without fields)."""
    rows = []
    for field, (old, new) in (changes or {}).items():
        rows.append(CustomerChange(customer=customer, field=field, old_value=jsonable(old), new_value=jsonable(new),
                                   reason=reason, action=action, change_request=change_request, actor=actor))
    if not rows:
        rows.append(CustomerChange(customer=customer, field="state", old_value=None, new_value=customer.state,
                                   reason=reason, action=action, change_request=change_request, actor=actor))
    CustomerChange.objects.bulk_create(rows)


def term_for(scheme_code: str, value, *, field: str) -> ClassificationTerm | None:
    """Resolve a classification value (term id, code or name) within its scheme, or refuse.
    Ids are ASCII digits only: "²".isdigit() is true, yet int("²") raises."""
    if value in (None, ""):
        return None
    if isinstance(value, ClassificationTerm):
        term = value
        if term.scheme.code != scheme_code:
            term = None
    else:
        lookup = ClassificationTerm.objects.select_related("scheme").filter(scheme__code=scheme_code, is_active=True)
        text = str(value).strip()
        term = (lookup.filter(pk=int(text)).first() if text.isascii() and text.isdigit() else None) \
            or lookup.filter(code=text).first() or lookup.filter(name=text).first()
    if term is None:
        scheme = ClassificationScheme.objects.filter(code=scheme_code).values_list("name", flat=True).first()
        raise ApplicationError(errors.TERM_INVALID, field=field, value=value, scheme=scheme or scheme_code)
    return term


def department_for(value, *, field: str = "department") -> Department | None:
    if value in (None, ""):
        return None
    if isinstance(value, Department):
        return value
    text = str(value).strip()
    by_id = text.isascii() and text.isdigit()
    department = (Department.objects.filter(pk=int(text)).first() if by_id else None) \
        or Department.objects.filter(code=text).first() or Department.objects.filter(name=text).first()
    if department is None:
        raise ApplicationError(errors.TERM_INVALID, field=field, value=value, scheme="部门")
    return department


def supervises(actor, owner) -> bool:
    """The owner's direct superior: manager of a department the owner belongs to, or a
    supervisor/department manager sharing a department with the owner."""
    if actor.pk == owner.pk:
        return False
    if Department.objects.filter(manager=actor, members=owner).exists():
        return True
    if roles.has_role(actor, roles.SUPERVISOR, roles.DEPARTMENT_MANAGER):
        return Department.objects.filter(members=actor).filter(members=owner).exists()
    return False


def lock_customer(customer: Customer, expected_version: int | None = None) -> Customer:
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ApplicationError(errors.VERSION_CONFLICT)
    return locked
