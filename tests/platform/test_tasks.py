"""Tasks on a real Celery worker process: each runs in the schema it was queued from, tenant
tasks refuse to run without a tenant, and the dispatcher fans out to active companies only.

The worker is a subprocess on this test process's broker queue, bucket and test database; the
tenants it works on must be committed (the `committed` fixture) for its connection to see them.
"""
from __future__ import annotations

import time

import pytest
from celery.exceptions import TimeoutError as ResultTimeout
from celery.result import AsyncResult
from django.core.files.base import ContentFile
from django.db import connection
from django_tenants.utils import tenant_context

from tests.celery_worker import running_worker

pytestmark = pytest.mark.worker

RESULT_TIMEOUT = 60  # seconds; generous for a loaded 2-core CI machine, never reached when all is well


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process for this pytest (xdist) worker, stopped at session end.

    Depends on django_db_setup so that it starts after the test database exists and stops
    before pytest-django drops it.
    """
    with django_db_blocker.unblock():
        # Never hand a worker (or `committed`'s writes) the development database. pytest-django
        # creates the test database only if some selected test asks for `db` — the in-process
        # test below does, unless deselected (`-k`).
        name = connection.settings_dict["NAME"]
        if not name.startswith("test_"):
            pytest.fail(f"no test database was set up (connection is on {name!r}): select a test "
                        "that uses `db` along with the worker tests")
    with running_worker(tmp_path_factory.mktemp("celery-worker")) as worker:
        yield worker


@pytest.fixture
def signed_up(committed, signup_data):
    """Committed companies (the worker's own connection must see them); removed afterwards."""
    from dangan.tenants.services import tenant_signup

    def make(**overrides):
        return tenant_signup(**signup_data(**overrides))

    return make


def worker_log_hint(worker) -> str:
    return "worker log:\n" + worker["log_tail"]()


def _result(async_result: AsyncResult, worker) -> object:
    try:
        return async_result.get(timeout=RESULT_TIMEOUT)
    except ResultTimeout:
        pytest.fail(f"no result for {async_result.id}; {worker_log_hint(worker)}")


def test_tenant_task_called_in_process_checks_the_schema_too(make_tenant):
    from dangan.platform.errors import ApplicationError
    from dangan.tenants.tasks import whoami

    tenant = make_tenant()
    with tenant_context(tenant):
        assert whoami() == tenant.schema_name
        assert whoami.apply().get() == tenant.schema_name
    connection.set_schema_to_public()
    with pytest.raises(ApplicationError) as caught:
        whoami()
    assert caught.value.code == "tenant_required"


def test_task_runs_in_the_schema_of_the_tenant_it_was_queued_from(celery_worker, signed_up):
    from dangan.tenants.tasks import whoami

    a = signed_up(company_name="任务甲")
    b = signed_up(company_name="任务乙")
    with tenant_context(a):
        from_a = whoami.delay()
    with tenant_context(b):
        from_b = whoami.delay()
    with tenant_context(a):
        again_a = whoami.delay()  # the solo worker just ran B's: its schema must switch back
    assert _result(from_a, celery_worker) == a.schema_name
    assert _result(from_b, celery_worker) == b.schema_name
    assert _result(again_a, celery_worker) == a.schema_name


def test_tenant_task_queued_from_public_is_refused_on_the_worker(celery_worker, signed_up):
    from dangan.platform.errors import ApplicationError
    from dangan.tenants.tasks import whoami

    signed_up()  # a company exists: the refusal is about the missing header, not an empty platform
    connection.set_schema_to_public()
    queued = whoami.delay()
    with pytest.raises(ApplicationError) as caught:
        _result(queued, celery_worker)
    assert caught.value.code == "tenant_required"
    assert queued.state == "FAILURE"
    assert "tenant_required" in queued.traceback
    # The worker is unharmed: the next tenant task still runs.
    tenant = signed_up()
    with tenant_context(tenant):
        assert _result(whoami.delay(), celery_worker) == tenant.schema_name


def test_dispatch_to_tenants_fans_out_to_active_tenants_only(celery_worker, signed_up):
    from dangan.accounts.models import User
    from dangan.documents.storage import object_store, tenant_prefix
    from dangan.platform.tasks import dispatch_to_tenants
    from dangan.tenants.models import TenantUsage
    from dangan.tenants.selectors import active_tenants
    from dangan.tenants.services import tenant_suspend
    from dangan.tenants.tasks import whoami

    a = signed_up(company_name="活跃甲")
    b = signed_up(company_name="活跃乙")
    suspended = signed_up(company_name="暂停丙")
    tenant_suspend(actor="ops@test", tenant=suspended, reason="test")
    store = object_store()
    with tenant_context(a):
        store.put_stream("usage/one.bin", ContentFile(b"x" * 1234))
        users_a = User.objects.filter(is_active=True).count()
    with tenant_context(b):
        users_b = User.objects.filter(is_active=True).count()
    try:
        connection.set_schema_to_public()
        expected = set(active_tenants().values_list("schema_name", flat=True))
        assert {a.schema_name, b.schema_name} <= expected and suspended.schema_name not in expected

        dispatched = dispatch_to_tenants.delay("tenants.record_usage")
        assert _result(dispatched, celery_worker) == len(expected)
        # The solo worker takes its queue in order: once this task is done, the fanned-out ones
        # queued before it are too (the wait below only guards against a slow database).
        with tenant_context(a):
            assert _result(whoami.delay(), celery_worker) == a.schema_name
        connection.set_schema_to_public()
        deadline = time.monotonic() + RESULT_TIMEOUT
        while True:
            measured = {usage.tenant.schema_name: usage for usage in
                        TenantUsage.objects.select_related("tenant").filter(measured_at__isnull=False)}
            if expected <= set(measured) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert expected <= set(measured), worker_log_hint(celery_worker)
        assert suspended.schema_name not in measured
        # Figures read inside each tenant's own schema on the worker.
        usage_a, usage_b = measured[a.schema_name], measured[b.schema_name]
        assert (usage_a.users, usage_a.object_count, usage_a.storage_bytes) == (users_a, 1, 1234)
        assert (usage_b.users, usage_b.object_count, usage_b.storage_bytes) == (users_b, 0, 0)
        assert users_a >= 1 and users_b >= 1
    finally:
        connection.set_schema_to_public()
        store.delete_prefix(tenant_prefix(a.schema_name))
