"""Task kinds and the one dispatcher for periodic per-tenant work.

- `@tenant_task(name=…)`: runs inside the schema it was queued from; refuses to run in public.
- `@platform_task(name=…)`: runs in the public schema (dispatchers, platform maintenance).
- `dispatch_to_tenants(task_name)`: the beat schedule names one tenant task; this fans it out,
  one message per active tenant, each carrying that tenant's schema.
"""
from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name, tenant_context
from tenant_schemas_celery.task import TenantTask

from dangan.platform import errors
from dangan.platform.celery_app import app
from dangan.platform.errors import ApplicationError
from dangan.platform.logging import get_logger

log = get_logger(__name__)


class RequireTenantTask(TenantTask):
    """A tenant task with no tenant in its headers would run against the public schema, where
    company tables do not exist (or, worse, platform tables do): refuse instead."""

    abstract = True

    def __call__(self, *args, **kwargs):
        if connection.schema_name == get_public_schema_name():
            raise ApplicationError(errors.TENANT_REQUIRED)
        return super().__call__(*args, **kwargs)


def tenant_task(*, name: str, **options):
    return app.task(name=name, base=RequireTenantTask, **options)


def platform_task(*, name: str, **options):
    return app.task(name=name, **options)


@platform_task(name="platform.dispatch_to_tenants")
def dispatch_to_tenants(task_name: str) -> int:
    from dangan.tenants.selectors import active_tenants

    task = app.tasks[task_name]
    count = 0
    for tenant in active_tenants():
        with tenant_context(tenant):
            task.delay()
        count += 1
    log.info("dispatched", task_name=task_name, tenants=count)
    return count
