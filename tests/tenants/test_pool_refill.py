"""The pool of ready schemas refills itself: each signup queues `tenants.refill_schema_pool` on
commit, and only one refill runs at a time (two would overshoot the pool)."""
import pytest
from django.db import connection, connections
from django.test import override_settings

from dangan.tenants import provisioning
from dangan.tenants.services import tenant_signup
from dangan.tenants.tasks import refill_schema_pool


def _current_pool() -> list[str]:
    return provisioning.pool_schemas(provisioning.fingerprint(provisioning.code_migrations()))


@pytest.fixture
def pool_of_two(committed):
    provisioning.refresh_schema_pool(size=0)
    with override_settings(DANGAN_SCHEMA_POOL_SIZE=2):
        provisioning.refresh_schema_pool()
        yield
    provisioning.refresh_schema_pool()


@override_settings(DANGAN_SCHEMA_POOL_REFILL_ON_SIGNUP=True)
def test_a_signup_queues_a_refill_that_tops_the_pool_up(pool_of_two, eager_tasks, signup_data):
    before = _current_pool()
    assert len(before) == 2

    tenant = tenant_signup(**signup_data())

    after = _current_pool()
    assert len(after) == 2  # refilled on commit
    assert len(set(after) - set(before)) == 1  # the one taken was replaced by a new one
    assert tenant.schema_name not in after


def test_without_the_refill_a_signup_leaves_the_pool_one_short(pool_of_two, eager_tasks, signup_data):
    tenant_signup(**signup_data())  # test settings: refill on signup off
    assert len(_current_pool()) == 1
    assert refill_schema_pool.delay().get() == 1
    assert len(_current_pool()) == 2


def test_a_refill_that_finds_another_running_leaves_the_work_to_it(pool_of_two):
    provisioning.refresh_schema_pool(size=0)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", provisioning.POOL_REFILL_LOCK)
        assert provisioning.refresh_schema_pool(size=2) == 0
        assert _current_pool() == []
    finally:
        # Unlocked explicitly: a closed connection's backend releases its locks only when it has
        # exited, which the server does a moment after the client hangs up.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", provisioning.POOL_REFILL_LOCK)
        other.close()
    assert provisioning.refresh_schema_pool(size=2) == 2
    assert len(_current_pool()) == 2
    with connection.cursor() as cursor:  # and this connection holds no lock afterwards
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0


def test_the_refill_is_scheduled_as_a_safety_net():
    from django.conf import settings

    from dangan.platform.celery_app import app

    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "tenants.refill_schema_pool"]
    assert len(entries) == 1
    assert "tenants.refill_schema_pool" in app.tasks
