"""Idempotent writes (integrations/idempotency.py), exercised through the API key endpoints."""
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from dangan.integrations import services
from dangan.integrations.models import ApiKey, IdempotencyRecord
from dangan.tenants.services import tenant_host

from .conftest import issue_key, token_for

CREATE = "/api/v1/api-keys/create/"
BODY = {"name": "ERP", "scopes": ["read"]}


def _post(client, body=BODY, key=None, path=CREATE, **extra):
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(path, body, content_type="application/json", **extra)


def _count(tenant, model=ApiKey) -> int:
    with schema_context(tenant.schema_name):
        return model.objects.count()


def test_retry_with_the_same_key_replays_without_running_the_write_again(two_tenants, admin_client):
    a, b = two_tenants
    client = admin_client(a)
    key = str(uuid.uuid4())
    first = _post(client, key=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    second = _post(client, key=key)
    assert second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    assert second["Content-Type"] == first["Content-Type"]
    assert _count(a) == 1  # the handler ran once
    replayed, original = second.json(), first.json()
    assert replayed["id"] == original["id"] and replayed["prefix"] == original["prefix"]
    # The secret is shown once: a replay returns the key's record without it, and the stored
    # copy does not hold it either.
    assert original["key"] and replayed["key"] is None
    with schema_context(a.schema_name):
        record = IdempotencyRecord.objects.get()
        assert original["key"].encode() not in bytes(record.response_body)
        assert record.identity.startswith("user:") and record.response_status == 201
    # The same key from another company is a different request altogether.
    on_b = admin_client(b)
    assert _post(on_b, key=key).status_code == 201 and "Idempotent-Replayed" not in _post(on_b, key="other")
    assert _count(b) == 2 and _count(a) == 1


def test_without_the_header_every_request_runs(make_tenant, admin_client):
    tenant = make_tenant()
    client = admin_client(tenant)
    _post(client), _post(client)
    assert _count(tenant) == 2 and _count(tenant, IdempotencyRecord) == 0


def test_same_key_with_a_different_body_or_path_is_refused(make_tenant, admin_client):
    tenant = make_tenant()
    client = admin_client(tenant)
    existing, _ = issue_key(tenant)
    assert _post(client, key="k-1").status_code == 201
    other_body = _post(client, body={**BODY, "name": "另一个"}, key="k-1")
    assert other_body.status_code == 422 and other_body.json()["error"]["code"] == "idempotency_key_reused"
    other_path = _post(client, body=None, key="k-1", path=f"/api/v1/api-keys/{existing.pk}/revoke/")
    assert other_path.status_code == 422
    assert _count(tenant) == 2
    with schema_context(tenant.schema_name):
        assert ApiKey.objects.get(pk=existing.pk).revoked_at is None


def test_keys_are_scoped_to_the_caller(make_tenant, admin_client, tenant_client):
    tenant = make_tenant()
    session = admin_client(tenant)
    token = tenant_client(tenant, HTTP_AUTHORIZATION=f"Token {token_for(tenant)}")
    _, plaintext = issue_key(tenant, scopes=["write"])
    api_key_client = tenant_client(tenant, HTTP_X_API_KEY=plaintext)
    revoke_target, _ = issue_key(tenant)
    assert _post(session, key="shared").status_code == 201
    # Token and session of one user are one caller; an API key is a caller of its own.
    assert _post(token, key="shared")["Idempotent-Replayed"] == "true"
    revoke = _post(api_key_client, body=None, key="shared", path=f"/api/v1/api-keys/{revoke_target.pk}/revoke/")
    assert revoke.status_code == 200 and "Idempotent-Replayed" not in revoke
    with schema_context(tenant.schema_name):
        assert sorted(r.identity.split(":")[0] for r in IdempotencyRecord.objects.all()) == ["api_key", "user"]


@pytest.mark.parametrize("bad", ["", "x" * 256, "naïve-ключ"])
def test_malformed_idempotency_keys_are_refused(make_tenant, admin_client, bad):
    tenant = make_tenant()
    response = _post(admin_client(tenant), key=bad)
    assert response.status_code == 400 and response.json()["error"]["code"] == "idempotency_key_invalid"
    assert _count(tenant) == 0


def test_client_errors_are_not_stored_so_the_request_can_be_fixed_and_retried(make_tenant, admin_client):
    tenant = make_tenant()
    client = admin_client(tenant)
    bad = _post(client, body={"name": "", "scopes": ["read"]}, key="fix-me")
    assert bad.status_code == 400
    assert _count(tenant, IdempotencyRecord) == 0
    fixed = _post(client, key="fix-me")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed


def test_a_failed_write_is_rolled_back_with_its_record_and_a_retry_runs_it(make_tenant, admin_client, monkeypatch):
    """The write and the record of its outcome share one transaction: a crash after the write
    leaves neither, so the retry does the write (once) instead of finding half a result."""
    tenant = make_tenant()
    client = admin_client(tenant)
    real = services.api_key_create

    def create_then_crash(**kwargs):
        real(**kwargs)
        raise RuntimeError("worker died after the write")

    monkeypatch.setattr(services, "api_key_create", create_then_crash)
    with pytest.raises(RuntimeError):
        _post(client, key="crash")
    assert _count(tenant) == 0 and _count(tenant, IdempotencyRecord) == 0
    monkeypatch.setattr(services, "api_key_create", real)
    retry = _post(client, key="crash")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry and _count(tenant) == 1


def test_expired_records_no_longer_replay(make_tenant, admin_client):
    tenant = make_tenant()
    client = admin_client(tenant)
    _post(client, key="old")
    with schema_context(tenant.schema_name):
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = _post(client, key="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert _count(tenant) == 2 and _count(tenant, IdempotencyRecord) == 1


def test_anonymous_requests_get_no_idempotency_and_no_data(make_tenant, tenant_client):
    tenant = make_tenant()
    response = _post(tenant_client(tenant), key="anon")
    assert response.status_code == 403 and _count(tenant, IdempotencyRecord) == 0


def _client_for(tenant, token):
    return Client(HTTP_HOST=tenant_host(tenant.slug), HTTP_AUTHORIZATION=f"Token {token}")


def test_concurrent_requests_with_one_key_run_the_write_once(committed_tenant, monkeypatch):
    """The second request arrives while the first is inside its handler: it is told the first
    is in progress (409) and does not run; once the first is done, a retry replays it."""
    tenant = committed_tenant()
    token = token_for(tenant)
    entered, release = threading.Event(), threading.Event()
    real = services.api_key_create

    def slow_create(**kwargs):
        entered.set()
        assert release.wait(20)
        return real(**kwargs)

    monkeypatch.setattr(services, "api_key_create", slow_create)
    outcome = {}

    def first():
        try:
            outcome["first"] = _post(_client_for(tenant, token), key="race")
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert entered.wait(20)
        second = _post(_client_for(tenant, token), key="race")
    finally:
        release.set()
        thread.join(30)
    assert second.status_code == 409 and second.json()["error"]["code"] == "idempotency_in_progress"
    assert outcome["first"].status_code == 201
    third = _post(_client_for(tenant, token), key="race")
    assert third.status_code == 201 and third["Idempotent-Replayed"] == "true"
    assert third.json()["id"] == outcome["first"].json()["id"]
    assert _count(tenant) == 1


def test_many_simultaneous_requests_with_one_key_create_one_row(committed_tenant):
    tenant = committed_tenant()
    token = token_for(tenant)
    barrier = threading.Barrier(4)
    responses = []

    def attempt():
        try:
            client = _client_for(tenant, token)
            barrier.wait()
            responses.append(_post(client, key="stampede"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(responses) == 4
    fresh = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r]
    others = [(r.status_code, r.get("Idempotent-Replayed")) for r in responses if r not in fresh]
    assert len(fresh) == 1
    assert all(item in {(201, "true"), (409, None)} for item in others), others
    assert _count(tenant) == 1
