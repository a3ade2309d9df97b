"""Writes on tenants: signup, suspension, deletion. Each is atomic and leaves a PlatformEvent."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, schema_context

from dangan.platform import errors
from dangan.platform.errors import ApplicationError, ErrorCode
from dangan.platform.logging import get_logger

from . import provisioning, validation
from .models import Domain, Plan, PlatformEvent, Tenant

log = get_logger(__name__)

CONFIRMATION_MISMATCH = ErrorCode(
    "confirmation_mismatch", "确认失败：请输入该公司的子域名“{slug}”以确认删除。",
    "Confirmation failed: type the company's subdomain “{slug}” to confirm deletion.")
TENANT_ALREADY_SUSPENDED = ErrorCode("tenant_already_suspended", "该公司已处于暂停状态。",
                                     "This company is already suspended.", 409)
TENANT_NOT_SUSPENDED = ErrorCode("tenant_not_suspended", "该公司未被暂停。", "This company is not suspended.", 409)
PUBLIC_TENANT_PROTECTED = ErrorCode("public_tenant_protected", "平台自身不能被暂停或删除。",
                                    "The platform itself cannot be suspended or deleted.", 409)

PUBLIC_TENANT_EMAIL = "platform@dangan.invalid"

# The admin's password hash (Argon2id, ~0.02 s: accounts/hashers.py) is computed on a thread
# while this thread does the database work; argon2-cffi releases the GIL, so a signup costs
# about max(hash, database) instead of their sum.
_password_hasher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="signup-password-hash")


def _actor_label(actor) -> str:
    return getattr(actor, "email", None) or str(actor or "system")


def ensure_public_tenant() -> Tenant:
    """The public schema's own Tenant row and host names (django-tenants routes by host)."""
    plan = Plan.objects.filter(is_default=True).first() or Plan.objects.order_by("pk").first()
    tenant, _ = Tenant.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "Dangan 平台", "slug": "public", "plan": plan, "admin_email": PUBLIC_TENANT_EMAIL},
    )
    for index, host in enumerate(settings.DANGAN_PUBLIC_HOSTS):
        Domain.objects.get_or_create(domain=host, defaults={"tenant": tenant, "is_primary": index == 0})
    return tenant


def tenant_host(slug: str) -> str:
    return f"{slug}.{settings.DANGAN_BASE_DOMAIN}"


def _seed_tenant(tenant: Tenant, admin_user) -> None:
    for path in settings.DANGAN_TENANT_SEEDERS:
        import_string(path)(tenant, admin_user)


def _unique_violation(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


@transaction.atomic
def tenant_signup(*, company_name: str, slug: str, admin_name: str, admin_email: str,
                  admin_password: str, plan: Plan | None = None) -> Tenant:
    """Create a company: its schema (from the template snapshot), domain, admin user and the
    seeded defaults, all in one transaction — a failure anywhere leaves nothing behind."""
    from dangan.accounts.models import User

    company_name = (company_name or "").strip()
    slug = validation.normalize_slug(slug)
    admin_name = (admin_name or "").strip()
    admin_email = (admin_email or "").strip().lower()
    validation.validate_signup(company_name=company_name, slug=slug, admin_name=admin_name,
                               admin_email=admin_email, admin_password=admin_password)
    if Tenant.objects.filter(slug=slug).exists():
        raise ApplicationError(validation.SLUG_TAKEN, field="slug", slug=slug)
    if Tenant.objects.filter(admin_email__iexact=admin_email).exists():
        raise ApplicationError(validation.EMAIL_TAKEN, field="admin_email")
    plan = plan or Plan.objects.get(is_default=True)
    schema_name = validation.schema_name_for(slug)
    admin_password_hash = _password_hasher.submit(make_password, admin_password)

    try:
        # A savepoint, so that a concurrent signup's unique violation is reported cleanly.
        with transaction.atomic():
            tenant = Tenant.objects.create(schema_name=schema_name, name=company_name, slug=slug,
                                           plan=plan, admin_email=admin_email)
    except IntegrityError as exc:
        if "admin_email" in _unique_violation(exc):
            raise ApplicationError(validation.EMAIL_TAKEN, field="admin_email") from exc
        raise ApplicationError(validation.SLUG_TAKEN, field="slug", slug=slug) from exc
    Domain.objects.create(domain=tenant_host(slug), tenant=tenant, is_primary=True)
    provisioning.create_schema_from_template(schema_name)
    with schema_context(schema_name):
        admin = User(email=admin_email, full_name=admin_name, is_staff=True, is_superuser=True,
                     password=admin_password_hash.result())
        admin.save()
        _seed_tenant(tenant, admin)
    PlatformEvent.objects.create(action=PlatformEvent.Action.SIGNUP, tenant_slug=slug, tenant_name=company_name,
                                 schema_name=schema_name, actor=admin_email, details={"plan": plan.code})
    transaction.on_commit(lambda: log.info("tenant_signed_up", slug=slug, schema=schema_name))
    if settings.DANGAN_SCHEMA_POOL_REFILL_ON_SIGNUP:
        transaction.on_commit(_refill_schema_pool_later)
    return tenant


def _refill_schema_pool_later() -> None:
    from .tasks import refill_schema_pool

    refill_schema_pool.delay()


def _guard_not_public(tenant: Tenant) -> None:
    if tenant.schema_name == get_public_schema_name():
        raise ApplicationError(PUBLIC_TENANT_PROTECTED)


@transaction.atomic
def tenant_suspend(*, actor, tenant: Tenant, reason: str = "") -> Tenant:
    """A suspended company's site and API refuse every request; its data stays untouched."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    _guard_not_public(tenant)
    if tenant.is_suspended:
        raise ApplicationError(TENANT_ALREADY_SUSPENDED)
    tenant.status = Tenant.Status.SUSPENDED
    tenant.suspended_at = timezone.now()
    tenant.suspended_reason = reason[:500]
    tenant.save(update_fields=["status", "suspended_at", "suspended_reason"])
    PlatformEvent.objects.create(action=PlatformEvent.Action.SUSPEND, tenant_slug=tenant.slug, tenant_name=tenant.name,
                                 schema_name=tenant.schema_name, actor=_actor_label(actor), reason=reason)
    return tenant


@transaction.atomic
def tenant_resume(*, actor, tenant: Tenant) -> Tenant:
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    _guard_not_public(tenant)
    if not tenant.is_suspended:
        raise ApplicationError(TENANT_NOT_SUSPENDED)
    tenant.status = Tenant.Status.ACTIVE
    tenant.suspended_at = None
    tenant.suspended_reason = ""
    tenant.save(update_fields=["status", "suspended_at", "suspended_reason"])
    PlatformEvent.objects.create(action=PlatformEvent.Action.RESUME, tenant_slug=tenant.slug, tenant_name=tenant.name,
                                 schema_name=tenant.schema_name, actor=_actor_label(actor))
    return tenant


@transaction.atomic
def tenant_delete(*, actor, tenant: Tenant, confirm_slug: str, reason: str = "") -> PlatformEvent:
    """Drop the company's schema and rows; its stored objects are purged after commit.

    The caller must type the subdomain back (`confirm_slug`): deletion cannot be undone.
    """
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    _guard_not_public(tenant)
    if (confirm_slug or "").strip().lower() != tenant.slug:
        raise ApplicationError(CONFIRMATION_MISMATCH, field="confirm_slug", slug=tenant.slug)
    from dangan.documents.storage import tenant_prefix

    schema_name, slug, prefix = tenant.schema_name, tenant.slug, tenant_prefix(tenant.schema_name)
    event = PlatformEvent.objects.create(
        action=PlatformEvent.Action.DELETE, tenant_slug=slug, tenant_name=tenant.name, schema_name=schema_name,
        actor=_actor_label(actor), reason=reason,
        details={"created_at": tenant.created_at.isoformat(), "plan": tenant.plan.code, "storage_prefix": prefix},
    )
    Domain.objects.filter(tenant=tenant).delete()
    tenant.delete(force_drop=False)
    provisioning.drop_schema(schema_name)

    def purge() -> None:
        from .tasks import purge_tenant_objects

        purge_tenant_objects.delay(prefix)

    transaction.on_commit(purge)
    return event


def assert_in_public_schema() -> None:
    if connection.schema_name != get_public_schema_name():
        raise ApplicationError(errors.PERMISSION_DENIED)
