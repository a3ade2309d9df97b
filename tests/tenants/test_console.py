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


def test_console_shows_usage_and_the_plans(make_tenant, platform_staff):
    from django.utils import timezone

    from dangan.tenants.models import TenantUsage

    tenant = make_tenant(company_name="用量测试公司")
    TenantUsage.objects.create(tenant=tenant, users=7, storage_bytes=5 * 1024 * 1024, object_count=42,
                               measured_at=timezone.now())
    page = platform_staff.get("/console/tenants/tenant/").content.decode()
    row = page[page.index("用量测试公司"):]
    row = row[:row.index("</tr>")]
    assert ">7<" in row and ">5.0<" in row and ">42<" in row
    plans = platform_staff.get("/console/tenants/plan/")
    assert plans.status_code == 200 and tenant.plan.name in plans.content.decode()


def test_console_resumes_a_suspended_company(make_tenant, platform_staff):
    from dangan.tenants.services import tenant_suspend

    tenant = make_tenant()
    tenant_suspend(actor=None, tenant=tenant, reason="欠费")
    platform_staff.post("/console/tenants/tenant/", {"action": "resume_selected", "_selected_action": [tenant.pk]})
    tenant.refresh_from_db()
    assert tenant.status == "active"
    assert PlatformEvent.objects.filter(tenant_slug=tenant.slug, action="resume").exists()
