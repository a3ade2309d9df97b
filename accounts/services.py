"""Writes on a company's users (R6): invite, edit name / roles / departments, deactivate and
reactivate. Users are never deleted: the audit chain, approvals and query log name them.

Every write is for tenant administrators, atomic, and leaves an audit event in the same
transaction; the invitation e-mail goes out only after commit.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from dangan.governance.services.audit import audit_record
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from . import errors, roles
from .models import User
from .tokens import password_token_generator


def _require_admin(actor) -> None:
    if not (getattr(actor, "is_active", False) and roles.is_tenant_admin(actor)):
        raise ApplicationError(platform_errors.PERMISSION_DENIED)


def _groups(role_names: Iterable[str]) -> list[Group]:
    wanted = sorted({str(name).strip() for name in role_names or [] if str(name).strip()})
    groups = list(Group.objects.filter(name__in=wanted))
    known = {group.name for group in groups}
    for name in wanted:
        if name not in known or name not in roles.ALL_ROLES:
            raise ApplicationError(errors.ROLE_UNKNOWN, field="roles", role=name)
    return groups


def _departments(departments: Iterable) -> list:
    from dangan.archives.models import Department

    ids = sorted({getattr(d, "pk", d) for d in departments or []})
    found = list(Department.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise ApplicationError(errors.DEPARTMENT_UNKNOWN, field="departments")
    return found


def _active_admins():
    return User.objects.filter(Q(is_superuser=True) | Q(groups__name=roles.TENANT_ADMIN), is_active=True).distinct()


def _keeps_an_admin(*, without: User) -> None:
    """A company whose last administrator lost the role (or the account) could never manage
    its users again: nobody on the platform side may act inside the company's data."""
    if not _active_admins().exclude(pk=without.pk).exists():
        raise ApplicationError(errors.LAST_ADMIN)


def company_host() -> str:
    """The company's primary host name, with DANGAN_LINK_PORT when set: links in e-mails never
    follow the request's Host header."""
    tenant = connection.tenant
    domain = tenant.get_primary_domain()
    host = domain.domain if domain is not None else f"{tenant.slug}.{settings.DANGAN_BASE_DOMAIN}"
    return f"{host}:{settings.DANGAN_LINK_PORT}" if settings.DANGAN_LINK_PORT else host


def set_password_url(user: User, *, scheme: str = "https") -> str:
    """A one-time link (Django's reset token, salted with the company) to choose a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_reset:confirm", kwargs={"uidb64": uid, "token": password_token_generator.make_token(user)},
                   urlconf=settings.ROOT_URLCONF)
    return f"{scheme}://{company_host()}{path}"


def _send_invitation(user: User, *, inviter: User, url: str) -> None:
    context = {"user": user, "inviter": inviter, "company": connection.tenant.name, "url": url}
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation_body.txt", context)
    send_mail(subject, body, None, [user.email])


def _audit_summary(user: User) -> dict:
    return {"email": user.email, "name": user.full_name, "active": user.is_active,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "departments": sorted(user.departments.values_list("code", flat=True))}


@transaction.atomic
def user_invite(*, actor, email: str, full_name: str, role_names: Iterable[str] = (), departments: Iterable = (),
                link_scheme: str = "https") -> User:
    """Create a company user without a password; they get an e-mail with a link to set one.
    E-mail addresses are unique within the company, whatever their case."""
    _require_admin(actor)
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    if not full_name:
        raise ApplicationError(errors.NAME_REQUIRED, field="full_name")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(errors.EMAIL_INVALID, field="email") from exc
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(errors.EMAIL_TAKEN, field="email", email=email)
    groups, chosen_departments = _groups(role_names), _departments(departments)
    user = User(email=email, full_name=full_name[:100])
    user.set_unusable_password()
    try:
        with transaction.atomic():  # a racing invitation of the same address loses cleanly
            user.save(force_insert=True)
    except IntegrityError as exc:
        raise ApplicationError(errors.EMAIL_TAKEN, field="email", email=email) from exc
    user.groups.set(groups)
    user.departments.set(chosen_departments)
    audit_record(actor=actor, action="user.invite", obj=user, summary=_audit_summary(user))
    url = set_password_url(user, scheme=link_scheme)
    transaction.on_commit(lambda: _send_invitation(user, inviter=actor, url=url))
    return user


@transaction.atomic
def user_invitation_resend(*, actor, user: User, link_scheme: str = "https") -> User:
    """Send a fresh set-password link (the earlier one stops working once a password is set)."""
    _require_admin(actor)
    if not user.is_active:
        raise ApplicationError(errors.INACTIVE_USER)
    url = set_password_url(user, scheme=link_scheme)
    audit_record(actor=actor, action="user.invitation_resend", obj=user, summary={"email": user.email})
    transaction.on_commit(lambda: _send_invitation(user, inviter=actor, url=url))
    return user


@transaction.atomic
def user_update(*, actor, user: User, full_name: str | None = None, role_names: Iterable[str] | None = None,
                departments: Iterable | None = None) -> User:
    """Change a user's name, roles (Django groups) and departments; what is None stays.
    Removing the last active administrator's role is refused."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _audit_summary(user)
    if full_name is not None:
        full_name = full_name.strip()
        if not full_name:
            raise ApplicationError(errors.NAME_REQUIRED, field="full_name")
        user.full_name = full_name[:100]
        user.save(update_fields=["full_name"])
    if role_names is not None:
        groups = _groups(role_names)
        loses_admin = roles.TENANT_ADMIN not in {g.name for g in groups} and not user.is_superuser
        if loses_admin and user.is_active:
            _keeps_an_admin(without=user)
        user.groups.set(groups)
    if departments is not None:
        user.departments.set(_departments(departments))
    after = _audit_summary(user)
    changed = sorted(key for key in after if after[key] != before[key])
    audit_record(actor=actor, action="user.update", obj=user,
                 summary={"email": user.email, "changed": changed, **{key: after[key] for key in changed}})
    user._dangan_roles = None  # the cached role set of this instance is stale now
    return user


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """A deactivated user can no longer sign in (their sessions stop working at once); the
    account stays, so history keeps naming them. Never yourself, never the last administrator."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise ApplicationError(errors.SELF_DEACTIVATION)
    if not user.is_active:
        raise ApplicationError(errors.ALREADY_INACTIVE)
    if roles.is_tenant_admin(user):
        _keeps_an_admin(without=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.deactivate", obj=user, summary={"email": user.email})
    return user


@transaction.atomic
def user_reactivate(*, actor, user: User) -> User:
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ApplicationError(errors.ALREADY_ACTIVE)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.reactivate", obj=user, summary={"email": user.email})
    return user
