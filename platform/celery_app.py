"""The Celery app. Tasks carry their tenant's schema in a header (tenant-schemas-celery): a task
queued inside company A's request runs inside A's schema on the worker."""
from __future__ import annotations

import os

import structlog
from celery import signals
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.platform.settings.local")

app = CeleryApp("dangan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["dangan.platform", "dangan.tenants", "dangan.documents", "dangan.archives", "dangan.integrations",
                        "dangan.governance"])


@signals.setup_logging.connect
def _use_django_logging(**kwargs):
    # Celery would otherwise install its own handlers; ours carry tenant and task id.
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.task_prerun.connect
def _bind_task_context(task_id=None, task=None, **kwargs):
    from django.db import connection

    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task=task.name if task else None,
                                           tenant=getattr(connection, "schema_name", "-"))


@signals.task_postrun.connect
def _unbind_task_context(**kwargs):
    structlog.contextvars.clear_contextvars()
