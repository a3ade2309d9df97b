"""Tenant housekeeping tasks (thin: each calls one function and owns its retries)."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from django.db import connection
from django.utils import timezone

from dangan.documents.storage import PurgeIncomplete, object_store
from dangan.platform.tasks import platform_task, tenant_task

# Only storage failures are worth retrying: a refused prefix (ValueError) is a bug that eight
# retries over several minutes would only hide.
_STORAGE_ERRORS = (BotoCoreError, ClientError, PurgeIncomplete)


@platform_task(name="tenants.purge_tenant_objects", autoretry_for=_STORAGE_ERRORS, retry_backoff=True,
               max_retries=8)
def purge_tenant_objects(prefix: str) -> int:
    return object_store().delete_prefix(prefix)


@platform_task(name="tenants.refill_schema_pool")
def refill_schema_pool() -> int:
    """Tops the pool of ready schemas back up after signups took some (queued on each signup's
    commit, and periodically as a safety net). Returns how many schemas were made."""
    from . import provisioning

    return provisioning.refresh_schema_pool()


@tenant_task(name="tenants.record_usage")
def record_usage() -> dict:
    from dangan.accounts.models import User
    from dangan.integrations.usage import api_calls_today
    from django_tenants.utils import schema_context

    from .models import Tenant, TenantUsage

    schema = connection.schema_name
    users = User.objects.filter(is_active=True).count()
    objects, size = object_store().usage(schema)
    api_calls = api_calls_today()  # read here: the cache key carries the current (tenant) schema
    with schema_context("public"):
        tenant = Tenant.objects.get(schema_name=schema)
        TenantUsage.objects.update_or_create(
            tenant=tenant, defaults={"users": users, "storage_bytes": size, "object_count": objects,
                                     "api_calls_today": api_calls, "measured_at": timezone.now()})
    return {"schema": schema, "users": users, "object_count": objects, "storage_bytes": size,
            "api_calls_today": api_calls}


@tenant_task(name="tenants.whoami")
def whoami() -> str:
    """Reports the schema it ran in: lets tests and operators check tenant routing of tasks."""
    return connection.schema_name
