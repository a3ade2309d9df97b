"""Periodic governance work runs per company through the platform dispatcher."""
from django.conf import settings
from django.db import connection


def _scheduled(task_name: str) -> bool:
    return any(entry["task"] == "platform.dispatch_to_tenants" and entry.get("args") == [task_name]
               for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_the_audit_chain_is_checkpointed_for_every_company(company, eager_tasks):
    from dangan.governance import tasks  # noqa: F401 (registers the task, as the worker's autodiscovery does)
    from dangan.governance.services.audit import audit_record
    from dangan.platform.tasks import dispatch_to_tenants
    from dangan.tenants.models import AuditCheckpoint

    event = audit_record(actor=company.owner, action="test.event")
    assert _scheduled("governance.checkpoint_audit_chain")
    connection.set_schema_to_public()
    dispatch_to_tenants.delay("governance.checkpoint_audit_chain")
    assert list(AuditCheckpoint.objects.filter(tenant=company.tenant).values_list("seq", "hash")) == \
        [(1, event.hash)]


def test_the_daily_sweep_lists_expired_files_for_every_company(company, filed_customer, eager_tasks):
    from dangan.governance import tasks  # noqa: F401 (registers the task)
    from dangan.governance.models import DispositionBatch
    from dangan.platform.tasks import dispatch_to_tenants

    expired = filed_customer(years_ago=6)
    assert _scheduled("governance.disposition_sweep")
    connection.set_schema_to_public()
    dispatch_to_tenants.delay("governance.disposition_sweep")
    connection.set_tenant(company.tenant)
    assert list(DispositionBatch.objects.get().items.values_list("customer_id", flat=True)) == [expired.pk]
