"""Which governance pages a person may open, for menus and page gates. The selectors and
services enforce the same rules on every read and write; this only decides what to show."""
from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangan.accounts import roles
from dangan.governance import selectors
from dangan.governance.services.retention import HOLD_SETTERS
from dangan.platform.errors import ApplicationError


def may_read_disposition(user) -> bool:
    try:
        selectors.require_disposition_reader(user)
    except ApplicationError:
        return False
    return True


def is_auditor(user) -> bool:
    return roles.has_role(user, roles.AUDITOR)


def may_see_holds(user) -> bool:
    return roles.is_tenant_admin(user) or roles.has_role(user, *HOLD_SETTERS)


def pages_for(user) -> list[dict]:
    """The governance pages `user` may open, in menu order: [{"key", "url", "label"}]."""
    if not getattr(user, "is_authenticated", False):
        return []
    pages = []
    if may_read_disposition(user):
        pages += [{"key": "batches", "url": reverse("governance_pages:batch-list"), "label": _("销毁清册")},
                  {"key": "records", "url": reverse("governance_pages:record-list"), "label": _("销毁记录")}]
    if may_see_holds(user):
        pages.append({"key": "holds", "url": reverse("governance_pages:hold-list"), "label": _("法律保全")})
    if is_auditor(user):
        pages += [{"key": "access_log", "url": reverse("governance_pages:access-log"), "label": _("查询记录")},
                  {"key": "audit", "url": reverse("governance_pages:audit"), "label": _("审计链")}]
    return pages


def gate(check):
    """A view decorator: 403 unless `check(request.user)`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
