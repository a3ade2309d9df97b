"""The plan's daily API call quota: counted per company per day, enforced with 429, and copied
into TenantUsage by the usage task."""
from django_tenants.utils import tenant_context

from dangan.integrations import usage
from dangan.tenants.models import Plan, TenantUsage

from .conftest import issue_key

ME = "/api/v1/me/"


def _tiny_plan(calls: int) -> Plan:
    return Plan.objects.create(code=f"tiny{calls}", name="Tiny", max_users=1, max_storage_mb=1,
                               max_api_calls_per_day=calls)


def test_calls_past_the_daily_quota_are_refused_per_company(two_tenants, tenant_client):
    a, b = two_tenants
    a.plan = _tiny_plan(3)
    a.save(update_fields=["plan"])
    _, key_a = issue_key(a, scopes=["read"])
    _, key_b = issue_key(b, scopes=["read"])
    on_a = tenant_client(a, HTTP_X_API_KEY=key_a)
    assert [on_a.get(ME).status_code for _ in range(3)] == [200, 200, 200]
    refused = on_a.get(ME)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "api_quota_exceeded" and "3" in error["message"]["en"] and "3" in error["message"]["zh-hans"]
    # Every authenticated call counts, whatever the credentials: a session is no way around it.
    session = tenant_client(a)
    assert session.post("/accounts/login/", {"username": a.admin_email, "password": a.admin_password}).status_code == 302
    assert session.get(ME).status_code == 429
    # B's quota is its own: A's exhausted counter does not touch it.
    assert tenant_client(b, HTTP_X_API_KEY=key_b).get(ME).status_code == 200
    # A's key on B's host is refused for what it is, and does not count against either.
    assert tenant_client(b, HTTP_X_API_KEY=key_a).get(ME).status_code == 401
    with tenant_context(a):
        assert usage.api_calls_today() == 3  # served calls, not attempts
    with tenant_context(b):
        assert usage.api_calls_today() == 1


def test_anonymous_and_refused_requests_are_not_counted(make_tenant, tenant_client):
    tenant = make_tenant()
    client = tenant_client(tenant)
    client.get(ME)
    client.get(ME, HTTP_X_API_KEY="dgn_nothing_here")
    with tenant_context(tenant):
        assert usage.api_calls_today() == 0


def test_usage_task_copies_todays_count_into_tenant_usage(make_tenant, tenant_client):
    from dangan.tenants.tasks import record_usage

    tenant = make_tenant()
    _, key = issue_key(tenant)
    client = tenant_client(tenant, HTTP_X_API_KEY=key)
    for _ in range(4):
        assert client.get(ME).status_code == 200
    with tenant_context(tenant):
        assert record_usage()["api_calls_today"] == 4
    assert TenantUsage.objects.get(tenant=tenant).api_calls_today == 4
