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


class TenantRequired(ApplicationError):
    """`tenant_required`, raised by a tenant task that finds itself in the public schema.

    Takes no arguments of its own so that it survives the trip back to the caller: the worker
    checks a task's error with a pickle round trip and the result backend re-creates it as
    `cls(*args)`; a plain ApplicationError fails both and reaches the caller as Celery's
    UnpickleableExceptionWrapper, without its code.
    """

    def __init__(self, *_message: str) -> None:
        super().__init__(errors.TENANT_REQUIRED)


class RequireTenantTask(TenantTask):
    """A tenant task with no tenant in its headers would run against the public schema, where
    company tables do not exist (or, worse, platform tables do): refuse instead."""

    abstract = True

    def __call__(self, *args, **kwargs):
        if connection.schema_name == get_public_schema_name():
            raise TenantRequired()
        return super().__call__(*args, **kwargs)


def tenant_task(*, name: str, **options):
    return app.task(name=name, base=RequireTenantTask, **options)


class PlatformTask(TenantTask):
    """Runs in the public schema wherever it is queued from: a purge queued inside a company's
    request (for a company about to be deleted) must not carry that company's schema."""

    abstract = True

    def apply_async(self, args=None, kwargs=None, *rest, **options):
        options["headers"] = {**(options.get("headers") or {}), "_schema_name": get_public_schema_name()}
        return super().apply_async(args, kwargs, *rest, **options)


def platform_task(*, name: str, **options):
    return app.task(name=name, base=PlatformTask, **options)


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
