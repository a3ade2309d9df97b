"""Two-factor sign-in with time-based codes (TOTP, django-otp; RFC 6238 apps such as
Google Authenticator, Microsoft Authenticator, 腾讯身份验证器).

Who must give a code after the password:
- anyone who turned two-factor on for themselves (a confirmed device), and
- when the company requires it (SecuritySettings.require_two_factor), its administrators and
  approvers (APPROVER_ROLES and every role of the destruction approval chain) — those without a
  device are sent to enrol before anything else (accounts/middleware.py).

A session is "verified" once a code was given in it (django-otp keeps the device in the
session; `user.is_verified()`). When the company requires two-factor, approval services call
`require_verified_approver(actor)`: only a verified web session may approve. DRF tokens and
API keys are never verified sessions, so they cannot approve under the requirement — a leaked
token must not be able to sign off a destruction list. The token endpoint itself asks for the
code (api/accounts/views.py), so a token is never handed out on a password alone either.
"""
from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name

from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from . import roles, signin_errors
from .models import SecuritySettings

# Roles that decide approvals: file review and change requests (supervisors, managers),
# access to classified files (deputy manager and above), destruction lists (default chain:
# supervisor → office → general manager). Roles a company adds to its destruction chain join.
APPROVER_ROLES = (roles.SUPERVISOR, roles.DEPARTMENT_MANAGER, roles.OFFICE, roles.DEPUTY_MANAGER,
                  roles.GENERAL_MANAGER)
# The requirement is read on every unverified request; cached per company (the cache key
# carries the schema) and dropped when it changes. The timeout bounds how long another web
# process with its own local-memory cache may answer with the old value.
REQUIREMENT_CACHE_KEY = "accounts:require-two-factor"
REQUIREMENT_CACHE_SECONDS = 60
DEVICE_NAME = "身份验证器"


def _device_model():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice


def requirement_on() -> bool:
    """Whether the current company requires two-factor for administrators and approvers."""
    if connection.schema_name == get_public_schema_name():
        return False
    value = cache.get(REQUIREMENT_CACHE_KEY)
    if value is None:
        value = SecuritySettings.load().require_two_factor
        cache.set(REQUIREMENT_CACHE_KEY, value, REQUIREMENT_CACHE_SECONDS)
    return bool(value)


def approver_roles() -> set[str]:
    from dangan.governance.models import DispositionStep

    return set(APPROVER_ROLES) | set(DispositionStep.objects.values_list("role", flat=True))


def must_use_two_factor(user) -> bool:
    """Required for this user by the company's rule (administrators and approvers)."""
    if not getattr(user, "is_authenticated", False) or not requirement_on():
        return False
    return roles.is_tenant_admin(user) or roles.has_role(user, *approver_roles())


def confirmed_device(user):
    if not getattr(user, "pk", None):
        return None
    return _device_model().objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def has_two_factor(user) -> bool:
    return bool(getattr(user, "pk", None)) and _device_model().objects.filter(user_id=user.pk, confirmed=True).exists()


def second_factor_needed(user) -> bool:
    """Whether signing in as `user` takes a code after the password."""
    return has_two_factor(user) or must_use_two_factor(user)


def is_verified(actor) -> bool:
    """Whether `actor` came through a session in which a code was given (OTPMiddleware sets
    `is_verified` on request.user; users loaded any other way — tokens, API keys — are not)."""
    check = getattr(actor, "is_verified", None)
    return bool(callable(check) and check())


def require_verified_approver(actor) -> None:
    """The guard of approval services: under the company's requirement, only a session
    verified with a code may approve or reject."""
    if requirement_on() and not is_verified(actor):
        raise ApplicationError(signin_errors.TWO_FACTOR_REQUIRED)


def check_code(device, code, *, field: str = "code") -> None:
    """Raise unless `code` is the device's current code. django-otp refuses a code already
    used (replay) and slows guessing down (throttling). Never call inside a transaction that a
    refusal rolls back: the failure count must survive the refusal."""
    code = "".join(str(code or "").split())
    if not code:
        raise ApplicationError(signin_errors.TWO_FACTOR_CODE_REQUIRED, field=field)
    allowed, details = device.verify_is_allowed()
    if not allowed:
        seconds = 1
        locked_until = (details or {}).get("locked_until")
        if locked_until is not None:
            from django.utils import timezone

            seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        raise ApplicationError(signin_errors.TWO_FACTOR_THROTTLED, field=field, seconds=seconds)
    if not device.verify_token(code):
        raise ApplicationError(signin_errors.TWO_FACTOR_CODE_INVALID, field=field)


def verify_sign_in_code(*, user, code):
    """The second step of signing in: the device that accepted `code` (the caller records it
    in the session with django_otp.login), or an ApplicationError."""
    device = confirmed_device(user)
    if device is None:
        raise ApplicationError(signin_errors.TWO_FACTOR_NOT_ENABLED)
    check_code(device, code)
    return device


# --- writes --------------------------------------------------------------------------------------

def _audit(actor, action: str, user, summary: dict | None = None) -> None:
    from dangan.governance.services.audit import audit_record

    audit_record(actor=actor, action=action, obj=user, summary={"email": user.email, **(summary or {})})


def two_factor_enrolment_start(*, actor):
    """The device to scan (unconfirmed until a code from it is given); the same one on every
    visit, so reloading the page does not invalidate a QR code already scanned."""
    if has_two_factor(actor):
        raise ApplicationError(signin_errors.TWO_FACTOR_ALREADY_ENABLED)
    device = _device_model().objects.filter(user_id=actor.pk, confirmed=False).order_by("-pk").first()
    if device is None:
        device = _device_model().objects.create(user=actor, name=DEVICE_NAME, confirmed=False)
    return device


def two_factor_enrolment_confirm(*, actor, code):
    """Turn two-factor on with a code from the scanned device. Returns the device; the web view
    marks the current session verified with it."""
    if has_two_factor(actor):
        raise ApplicationError(signin_errors.TWO_FACTOR_ALREADY_ENABLED)
    device = _device_model().objects.filter(user_id=actor.pk, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ApplicationError(signin_errors.TWO_FACTOR_NOT_STARTED)
    check_code(device, code)  # outside the transaction below: see check_code
    with transaction.atomic():
        _device_model().objects.filter(user_id=actor.pk).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _audit(actor, "two_factor.enable", actor)
    return device


def two_factor_disable(*, actor, code) -> None:
    """Turn two-factor off (with a current code: a borrowed unlocked session is not enough).
    Refused while the company requires it for this user."""
    device = confirmed_device(actor)
    if device is None:
        raise ApplicationError(signin_errors.TWO_FACTOR_NOT_ENABLED)
    if must_use_two_factor(actor):
        raise ApplicationError(signin_errors.TWO_FACTOR_MANDATORY)
    check_code(device, code)
    with transaction.atomic():
        _device_model().objects.filter(user_id=actor.pk).delete()
        _audit(actor, "two_factor.disable", actor)


def _require_admin(actor) -> None:
    if not (getattr(actor, "is_active", False) and roles.is_tenant_admin(actor)):
        raise ApplicationError(platform_errors.PERMISSION_DENIED)


@transaction.atomic
def two_factor_reset(*, actor, user) -> int:
    """An administrator removes a user's devices (a lost phone); the user enrols again at the
    next sign-in if the company requires it. Returns the devices removed."""
    _require_admin(actor)
    removed, _ = _device_model().objects.filter(user_id=user.pk).delete()
    _audit(actor, "two_factor.reset", user, {"devices_removed": removed})
    return removed


def _forget_requirement() -> None:
    cache.delete(REQUIREMENT_CACHE_KEY)


@transaction.atomic
def security_settings_update(*, actor, require_two_factor: bool) -> SecuritySettings:
    """Administrators turn the two-factor requirement on or off for the company."""
    from dangan.governance.services.audit import audit_record

    _require_admin(actor)
    settings = SecuritySettings.objects.select_for_update().filter(pk=1).first() or SecuritySettings(pk=1)
    before = settings.require_two_factor
    settings.require_two_factor = bool(require_two_factor)
    settings.save()
    audit_record(actor=actor, action="security_settings.update", obj=settings,
                 summary={"require_two_factor": settings.require_two_factor, "before": before})
    # Now for this process (and this transaction's own reads), and again after commit so that no
    # read in between caches the old value for long.
    _forget_requirement()
    transaction.on_commit(_forget_requirement)
    return settings
