"""Periodic purge of idempotency records older than their 24-hour lifetime."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from dangan.integrations.models import IdempotencyRecord
from dangan.integrations.tasks import purge_idempotency_records


def _record(key: str, age: timedelta) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        identity="user:1", key=key, method="POST", path="/x/", request_sha256="0" * 64, response_status=201,
        response_body=b"{}", created_at=timezone.now() - age)


def test_purge_removes_only_expired_records_of_each_company(two_tenants):
    a, b = two_tenants
    with schema_context(a.schema_name):
        _record("old", timedelta(hours=25))
        _record("new", timedelta(hours=1))
    with schema_context(b.schema_name):
        _record("old", timedelta(hours=30))
    with tenant_context(a):
        assert purge_idempotency_records() == 1
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    with schema_context(b.schema_name):
        assert IdempotencyRecord.objects.count() == 1  # B's turn comes from its own dispatch


def test_purge_refuses_to_run_outside_a_company(db):
    from dangan.platform.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        purge_idempotency_records()
    assert caught.value.code == "tenant_required"


def test_purge_is_scheduled_for_every_company():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values()
               if e.get("args") == ["integrations.purge_idempotency_records"]]
    assert len(entries) == 1 and entries[0]["task"] == "platform.dispatch_to_tenants"
    from dangan.platform.celery_app import app

    assert "integrations.purge_idempotency_records" in app.tasks
