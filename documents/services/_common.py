"""Helpers shared by the documents services: who may write, the tenant's limits (usage: quota.py)."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from dangan.accounts import roles
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from .. import errors

MB = 1024 * 1024


def require_configurer(actor) -> None:
    """Document types, checklists and locations are the custodians' and administrators' to change."""
    if not (roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN)):
        raise ApplicationError(errors.CONFIG_FORBIDDEN)


def require_writer(actor) -> None:
    """Auditors read; they do not add to the files they audit."""
    if roles.is_read_only_auditor(actor):
        raise ApplicationError(errors.FORBIDDEN)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    quota_bytes: int


def current_limits() -> Limits:
    """The tenant's plan caps its storage; one file may use at most the platform cap and never
    more than the whole quota."""
    from dangan.tenants.models import Tenant

    tenant = getattr(connection, "tenant", None)
    if (getattr(tenant, "plan_from_lookup", False) and tenant.schema_name == connection.schema_name
            and Tenant.plan.field.is_cached(tenant)):
        # A request's company, looked up with its plan (tenants/middleware.py, at most
        # DANGAN_TENANT_CACHE_SECONDS old); any other tenant object may hold a plan read long ago.
        plan = tenant.plan
    else:
        plan = Tenant.objects.select_related("plan").get(schema_name=connection.schema_name).plan
    quota = plan.max_storage_mb * MB
    return Limits(max_file_bytes=min(settings.DOCUMENTS_MAX_FILE_MB * MB, quota), quota_bytes=quota)


def clean(instance, *, exclude: list[str] | None = None) -> None:
    """`full_clean()` with Django's ValidationError answered as our 400 validation_failed."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = {name: [{"code": "invalid", "message": {"zh-hans": str(message), "en": str(message)}}
                         for message in messages]
                  for name, messages in exc.message_dict.items()}
        raise ApplicationError(platform_errors.VALIDATION_FAILED, fields=fields) from None
