"""Shared fixtures. The services are real: `make test` starts PostgreSQL, the S3 server and a
broker (or uses the ones named in the environment); a Celery worker is started on demand.

Two database modes:
- `db` (pytest-django): each test runs in a transaction rolled back at the end — tenant
  schemas made by signup vanish with it (PostgreSQL DDL is transactional).
- `committed`: real commits, for tests that need a second connection (races, a worker
  process). Everything they create is removed afterwards by `committed`'s teardown.
"""
from __future__ import annotations

import itertools
import os

import pytest
from django.db import connection

from tests.factories import SignupData

pytest_plugins = ["tests.archives.fixtures"]

_SEQUENCE = itertools.count(1)


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()


def _unique_slug(prefix: str = "co") -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main").replace("gw", "w")
    return f"{prefix}{next(_SEQUENCE)}-{worker}-{os.getpid() % 10000}"


@pytest.fixture
def signup_data():
    """Valid signup input with a slug and email no other test uses."""

    def make(**overrides) -> dict:
        token = _unique_slug()
        overrides.setdefault("admin_email", f"admin@{token}.example.com")
        return SignupData.build(slug=overrides.pop("slug", None) or token, **overrides)

    return make


@pytest.fixture
def make_tenant(db, signup_data):
    """Sign up a company through the real service (fast provisioning path)."""
    from dangan.tenants.services import tenant_signup

    def make(**overrides):
        data = signup_data(**overrides)
        tenant = tenant_signup(**data)
        tenant.admin_password = data["admin_password"]
        return tenant

    return make


@pytest.fixture(scope="session")
def test_database(django_db_setup, django_db_blocker):
    """The test database, even when no selected test uses `db`: pytest-django then skips
    creating it, and `committed` would otherwise write to the database in DATABASE_URL."""
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"].startswith("test_"):
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture
def committed(test_database, django_db_blocker):
    """Real commits; every tenant signed up meanwhile is deleted afterwards, schema and all."""
    from dangan.tenants.models import PlatformEvent, Tenant

    with django_db_blocker.unblock():
        before = set(Tenant.objects.values_list("pk", flat=True))
        events_before = PlatformEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        yield
        connection.set_schema_to_public()
        from dangan.tenants import provisioning

        for tenant in Tenant.objects.exclude(pk__in=before):
            tenant.domains.all().delete()
            schema = tenant.schema_name
            tenant.delete()
            provisioning.drop_schema(schema)
        PlatformEvent.objects.filter(pk__gt=events_before).delete()


@pytest.fixture
def tenant_client():
    """A test client whose requests go to the given company's host."""
    from django.test import Client

    from dangan.tenants.services import tenant_host

    def make(tenant, **kwargs) -> Client:
        return Client(HTTP_HOST=tenant_host(tenant.slug), **kwargs)

    return make


@pytest.fixture
def public_client():
    from django.test import Client

    return Client(HTTP_HOST="localhost")


@pytest.fixture
def platform_staff(db):
    """A platform staff user (public schema) and a public-host client logged in as them."""
    from django.test import Client
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User

    with schema_context("public"):
        staff = User.objects.create_superuser(email="ops@dangan.example", password="x", full_name="运维")
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    return client


@pytest.fixture
def eager_tasks():
    """Run queued tasks in-process (the real task code against the real services)."""
    from dangan.platform.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
