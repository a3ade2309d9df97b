"""Probes: /healthz answers on any host without touching a tenant, /readyz checks each
dependency (database, object storage, broker) for real and names the one that is down."""
from __future__ import annotations

import socket

import pytest
from django.test import Client, override_settings

from dangan.documents.storage import object_store
from dangan.tenants.services import tenant_host, tenant_suspend


def _dead_port() -> int:
    # Bound and closed again: nothing listens there, so connections are refused at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fresh_object_store():
    """object_store() caches its client (settings read once per process): start and end clean."""
    object_store.cache_clear()
    yield
    object_store.cache_clear()


@pytest.mark.parametrize("host", ["localhost", "no-such-company.localhost", "10.0.3.7:8000", "lb-probe.internal"])
def test_healthz_answers_on_any_host(db, host):
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_on_a_suspended_company_host(make_tenant):
    tenant = make_tenant()
    tenant_suspend(actor="ops@test", tenant=tenant, reason="probe")
    client = Client(HTTP_HOST=tenant_host(tenant.slug))
    assert client.get("/").status_code == 403  # the company's site itself is refused …
    response = client.get("/healthz")  # … but the probe is not
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_host_is_still_a_404_apart_from_the_probes(db):
    assert Client(HTTP_HOST="no-such-company.localhost").get("/").status_code == 404


def test_readyz_reports_each_dependency_ok(db, fresh_object_store):
    response = Client(HTTP_HOST="10.0.3.7").get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "object_storage", "broker"}
    for name, check in body["checks"].items():
        assert check["ok"] is True, (name, check)
        assert check["ms"] >= 0


def test_readyz_is_503_when_object_storage_is_down_and_names_it(db, fresh_object_store):
    with override_settings(S3_ENDPOINT_URL=f"http://127.0.0.1:{_dead_port()}"):
        object_store.cache_clear()
        response = Client(HTTP_HOST="localhost").get("/readyz")
    body = response.json()
    assert response.status_code == 503, body
    assert body["status"] == "unavailable"
    storage = body["checks"]["object_storage"]
    assert storage["ok"] is False
    assert "connect" in storage["error"].lower(), storage
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
