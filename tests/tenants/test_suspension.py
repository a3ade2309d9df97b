"""A suspended company's web site and API refuse with a clear error; resuming restores them."""
import pytest

from dangan.platform.errors import ApplicationError
from dangan.tenants import services
from dangan.tenants.models import PlatformEvent


@pytest.fixture
def logged_in(make_tenant, tenant_client):
    tenant = make_tenant()
    client = tenant_client(tenant)
    client.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    assert client.get("/api/v1/me/").status_code == 200
    return tenant, client


def test_suspended_company_is_refused_on_web_and_api_and_resume_restores(logged_in, tenant_client):
    tenant, client = logged_in
    services.tenant_suspend(actor="staff@test", tenant=tenant, reason="欠费")

    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "tenant_suspended"
    assert set(api.json()["error"]["message"]) == {"zh-hans", "en"}
    web = client.get("/")
    assert web.status_code == 403
    assert "已被暂停" in web.content.decode()
    assert tenant_client(tenant).get("/accounts/login/").status_code == 403
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "suspended" in english.content.decode()

    services.tenant_resume(actor="staff@test", tenant=tenant)
    assert client.get("/api/v1/me/").status_code == 200  # data and session untouched
    assert client.get("/").status_code == 200
    actions = list(PlatformEvent.objects.filter(tenant_slug=tenant.slug).values_list("action", flat=True))
    assert {"signup", "suspend", "resume"} <= set(actions)


def test_suspending_twice_or_resuming_an_active_company_is_an_error(make_tenant):
    tenant = make_tenant()
    with pytest.raises(ApplicationError) as caught:
        services.tenant_resume(actor="staff@test", tenant=tenant)
    assert caught.value.code == "tenant_not_suspended"
    services.tenant_suspend(actor="staff@test", tenant=tenant)
    with pytest.raises(ApplicationError) as caught:
        services.tenant_suspend(actor="staff@test", tenant=tenant)
    assert caught.value.code == "tenant_already_suspended"


def test_the_platform_itself_cannot_be_suspended(db):
    from dangan.tenants.models import Tenant

    public = Tenant.objects.get(schema_name="public")
    with pytest.raises(ApplicationError) as caught:
        services.tenant_suspend(actor="staff@test", tenant=public)
    assert caught.value.code == "public_tenant_protected"
