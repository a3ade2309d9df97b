"""The platform staff console (Django admin on the public host) drives the same services."""
from django_tenants.utils import schema_exists

from dangan.tenants.models import PlatformEvent, Tenant


def test_console_lists_companies_and_suspends_with_an_action(make_tenant, platform_staff):
    tenant = make_tenant(company_name="控制台测试公司")
    page = platform_staff.get("/console/tenants/tenant/")
    assert page.status_code == 200 and "控制台测试公司" in page.content.decode()
    response = platform_staff.post("/console/tenants/tenant/", {
        "action": "suspend_selected", "_selected_action": [tenant.pk]})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.status == "suspended"
    assert PlatformEvent.objects.filter(tenant_slug=tenant.slug, action="suspend", actor="ops@dangan.example").exists()


def test_console_delete_asks_for_confirmation(make_tenant, platform_staff):
    tenant = make_tenant()
    url = f"/console/tenants/tenant/{tenant.pk}/delete-company/"
    assert tenant.slug in platform_staff.get(url).content.decode()
    refused = platform_staff.post(url, {"confirm_slug": "not-it"})
    assert refused.status_code == 200 and schema_exists(tenant.schema_name)
    done = platform_staff.post(url, {"confirm_slug": tenant.slug, "reason": "测试"})
    assert done.status_code == 302
    assert not Tenant.objects.filter(pk=tenant.pk).exists() and not schema_exists(tenant.schema_name)


def test_console_is_for_staff_only(make_tenant, public_client):
    response = public_client.get("/console/tenants/tenant/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]
