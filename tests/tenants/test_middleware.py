"""The host → company lookup is cached per process, never answers for the wrong company, and
forgets a company as soon as it is suspended, resumed or deleted here (and within the TTL
elsewhere)."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangan.tenants import services
from dangan.tenants.middleware import tenant_lookups
from dangan.tenants.models import Domain


@pytest.fixture(autouse=True)
def _empty_cache():
    tenant_lookups.clear()
    yield
    tenant_lookups.clear()


def _login(tenant, tenant_client):
    client = tenant_client(tenant)
    client.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    return client


def _domain_queries(client, path="/api/v1/me/"):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response, [q["sql"] for q in captured.captured_queries if "tenants_domain" in q["sql"]]


def test_the_second_request_skips_the_domain_lookup_and_each_host_gets_its_own_company(make_tenant, tenant_client):
    first, second = make_tenant(company_name="缓存甲公司"), make_tenant(company_name="缓存乙公司")
    first_client, second_client = _login(first, tenant_client), _login(second, tenant_client)
    tenant_lookups.clear()
    response, lookups = _domain_queries(first_client)
    assert response.status_code == 200 and len(lookups) == 1
    response, lookups = _domain_queries(first_client)
    assert response.status_code == 200 and lookups == []
    assert response.json()["schema"] == first.schema_name
    # Another company's host: its own lookup, its own schema; neither answers for the other.
    response, lookups = _domain_queries(second_client)
    assert len(lookups) == 1 and response.json()["schema"] == second.schema_name
    response, _ = _domain_queries(first_client)
    assert response.json()["schema"] == first.schema_name
    response, _ = _domain_queries(second_client)
    assert response.json()["schema"] == second.schema_name
    # The first company's session means nothing on the second company's host.
    assert first_client.get("/api/v1/me/", HTTP_HOST=second_client.defaults["HTTP_HOST"]).status_code in (401, 403)


def test_each_request_gets_its_own_copy_of_the_cached_company(make_tenant, tenant_client):
    tenant = make_tenant()
    client = _login(tenant, tenant_client)
    client.get("/api/v1/me/")
    cached = tenant_lookups.get(client.defaults["HTTP_HOST"])
    assert cached is not None and cached.schema_name == tenant.schema_name
    cached_state = dict(cached.__dict__)
    response = client.get("/api/v1/me/")
    assert response.wsgi_request.tenant is not cached
    assert response.wsgi_request.tenant.pk == cached.pk
    assert cached.__dict__.keys() == cached_state.keys()


def test_suspending_and_resuming_take_effect_at_once(make_tenant, tenant_client):
    tenant = make_tenant()
    client = _login(tenant, tenant_client)
    assert client.get("/api/v1/me/").status_code == 200  # cached now
    services.tenant_suspend(actor="staff@test", tenant=tenant, reason="欠费")
    response = client.get("/api/v1/me/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "tenant_suspended"
    services.tenant_resume(actor="staff@test", tenant=tenant)
    assert client.get("/api/v1/me/").status_code == 200


def test_a_deleted_company_and_an_unknown_host_are_not_served(make_tenant, tenant_client):
    tenant = make_tenant()
    client = _login(tenant, tenant_client)
    assert client.get("/api/v1/me/").status_code == 200
    connection.set_schema_to_public()
    services.tenant_delete(actor="staff@test", tenant=tenant, confirm_slug=tenant.slug)
    assert tenant_lookups.get(client.defaults["HTTP_HOST"]) is None
    assert client.get("/api/v1/me/").status_code == 404
    assert tenant_client(tenant).get("/accounts/login/").status_code == 404
    assert tenant_lookups.get(client.defaults["HTTP_HOST"]) is None  # misses are never cached


def test_a_domain_change_empties_the_cache(make_tenant, tenant_client):
    tenant = make_tenant()
    client = _login(tenant, tenant_client)
    client.get("/api/v1/me/")
    host = client.defaults["HTTP_HOST"]
    assert tenant_lookups.get(host) is not None
    connection.set_schema_to_public()
    Domain.objects.filter(domain=host).get().save()
    assert tenant_lookups.get(host) is None


def test_entries_expire_after_the_ttl(make_tenant, tenant_client, settings, monkeypatch):
    import time as time_module

    tenant = make_tenant()
    client = _login(tenant, tenant_client)
    client.get("/api/v1/me/")
    host = client.defaults["HTTP_HOST"]
    assert tenant_lookups.get(host) is not None
    later = time_module.monotonic() + settings.DANGAN_TENANT_CACHE_SECONDS + 1
    with monkeypatch.context() as patch:
        patch.setattr(tenant_lookups, "clock", lambda: later)
        assert tenant_lookups.get(host) is None
    settings.DANGAN_TENANT_CACHE_SECONDS = 0  # 0 turns the cache off
    tenant_lookups.clear()
    client.get("/api/v1/me/")
    assert tenant_lookups.get(host) is None


def test_at_most_one_search_path_statement_per_request(make_tenant, tenant_client):
    """TENANT_LIMIT_SET_CALLS: the schema is set once per request, not before every query (and
    not at all when the connection is on it already: tests/platform/test_postgresql_backend.py)."""
    tenant, other = make_tenant(), make_tenant()
    client = _login(tenant, tenant_client)
    client.get("/api/v1/me/")
    _login(other, tenant_client).get("/api/v1/me/")  # the connection is on another company now
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/me/").status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum(1 for sql in statements if sql.startswith("SET search_path")) == 1
    assert len(statements) > 2  # the session, the user … all after that one SET


def test_the_cached_company_carries_its_plan_and_a_plan_change_forgets_it(make_tenant, tenant_client):
    from dangan.tenants.models import Tenant

    tenant = make_tenant()
    client = _login(tenant, tenant_client)
    client.get("/api/v1/me/")
    cached = tenant_lookups.get(client.defaults["HTTP_HOST"])
    assert Tenant.plan.field.is_cached(cached) and cached.plan.pk == tenant.plan_id and cached.plan_from_lookup
    plan = cached.plan
    plan.max_storage_mb += 1
    plan.save()
    assert tenant_lookups.get(client.defaults["HTTP_HOST"]) is None


def test_the_upload_limits_read_the_request_company_s_plan_without_a_query(make_tenant):
    from dangan.documents.services._common import MB, current_limits
    from dangan.tenants.models import Tenant

    tenant = make_tenant()
    request_tenant = Tenant.objects.select_related("plan").get(pk=tenant.pk)
    request_tenant.plan_from_lookup = True  # as the middleware caches it
    connection.set_tenant(request_tenant)
    try:
        with CaptureQueriesContext(connection) as captured:
            limits = current_limits()
        assert [q["sql"] for q in captured.captured_queries if "tenants_plan" in q["sql"]] == []
        assert limits.quota_bytes == request_tenant.plan.max_storage_mb * MB
        # any other company object (a task's tenant_context, one made by a service), even one
        # holding its plan: read from the database
        connection.set_tenant(Tenant.objects.select_related("plan").get(pk=tenant.pk))
        with CaptureQueriesContext(connection) as captured:
            assert current_limits() == limits
        assert [q["sql"] for q in captured.captured_queries if "tenants_plan" in q["sql"]] != []
    finally:
        connection.set_schema_to_public()
