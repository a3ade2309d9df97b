"""Fixtures of the documents tests: real files made here (PDF with a text layer, PNG, multi-page
TIFF, OFD, a not-accepted type), plain-HTTP uploads to presigned URLs, the tenant's objects
removed after each test, and eager tasks whose on-commit queueing really runs."""
from __future__ import annotations

import pytest
from django.db import connection

from dangan.documents.storage import object_store, tenant_prefix


@pytest.fixture
def store():
    store = object_store()
    store.ensure_bucket()
    return store


@pytest.fixture
def clean_bucket(store):
    """Every tenant made during the test has its objects removed afterwards."""
    from dangan.tenants.models import Tenant

    yield
    connection.set_schema_to_public()
    for schema in Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True):
        store.delete_prefix(tenant_prefix(schema))


@pytest.fixture
def docs(company, clean_bucket):
    """The archives `company` (connection inside its schema), objects cleaned up afterwards."""
    return company


@pytest.fixture
def run_tasks(eager_tasks, django_capture_on_commit_callbacks):
    """`with run_tasks():` — what the block queues on commit runs, eagerly, at its end."""
    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner
