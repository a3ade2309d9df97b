"""Lockout after repeated failed passwords (django-axes), per company.

Axes keeps its attempts in the current schema (it is a tenant app, platform/settings/tenants.py),
so failures on company A's host count only there: the same e-mail on company B is another
person and stays unlocked. Platform staff are counted in the public schema the same way.

Settings (platform/settings/security.py): AXES_FAILURE_LIMIT failures lock an account for
AXES_COOLOFF_TIME; a company administrator can unlock earlier (`login_lockout_clear`).
"""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from dangan.platform.errors import ApplicationError

from . import roles, signin_errors


def attempted_username(request, credentials) -> str | None:
    """The account an attempt names, normalised as accounts are stored (lower case, no
    spaces): "Zhang@X.cn " must not get five more tries than "zhang@x.cn"."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        data = getattr(request, "POST", None) or {}
        value = data.get("username") or data.get("email")
    value = str(value or "").strip().lower()
    return value or None


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_error() -> ApplicationError:
    return ApplicationError(signin_errors.ACCOUNT_LOCKED, minutes=cooloff_minutes())


def is_locked_out(request) -> bool:
    """Whether the sign-in attempt just made on `request` was refused by (or caused) a lockout."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers once an attempt is refused for a lockout.

    Our own sign-in views answer lockouts themselves (the login page with the message, the
    token endpoint with `account_locked`) and mark the request; their answer stands. Anything
    else that signs in (the staff console's login) gets the bilingual lockout page, or the
    JSON error under /api/.
    """
    if original_response is not None and getattr(request, "dangan_lockout_answered", False):
        return original_response
    error = locked_error()
    if request.path.startswith("/api/"):
        return JsonResponse({"error": error.as_dict()}, status=error.status)
    return render(request, "accounts/locked_out.html", {"error": error}, status=error.status)


# --- administrators: who is locked out, and unlocking ---------------------------------------------

def locked_accounts():
    """Accounts locked out now (failures at the limit within the cool-off window), newest first."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return (AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                                         attempt_time__gte=since)
            .exclude(username__isnull=True).order_by("-attempt_time"))


@transaction.atomic
def login_lockout_clear(*, actor, username: str) -> int:
    """A company administrator unlocks an account before the cool-off ends (a user who
    forgot their password and has been given a new one). Returns the attempts removed."""
    from axes.utils import reset

    from dangan.governance.services.audit import audit_record
    from dangan.platform import errors as platform_errors

    if not (getattr(actor, "is_active", False) and roles.is_tenant_admin(actor)):
        raise ApplicationError(platform_errors.PERMISSION_DENIED)
    username = attempted_username(None, {"username": username}) or ""
    removed = reset(username=username) if username else 0
    audit_record(actor=actor, action="login_lockout.clear", obj=None, summary={"username": username,
                                                                               "attempts_removed": removed})
    return removed
