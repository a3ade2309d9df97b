"""The staff-only API on the public host: list with usage, suspend, resume, delete."""
import io

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from dangan.documents.storage import object_store
from dangan.tenants.models import Domain, PlatformEvent, Tenant, TenantUsage

API = "/api/v1/platform/tenants/"


def test_staff_list_companies_with_usage(make_tenant, platform_staff):
    a = make_tenant(company_name="甲")
    TenantUsage.objects.create(tenant=a, users=3, storage_bytes=2048, object_count=2)
    b = make_tenant(company_name="乙")
    response = platform_staff.get(API)
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()}
    assert "public" not in rows
    assert rows[a.slug]["users"] == 3 and rows[a.slug]["storage_bytes"] == 2048
    assert rows[b.slug]["users"] == 0
    assert rows[a.slug]["host"] == f"{a.slug}.localhost" and rows[a.slug]["plan"] == "trial"


def test_staff_api_refuses_anonymous_and_company_users(make_tenant, public_client, tenant_client):
    tenant = make_tenant()
    assert public_client.get(API).status_code == 403
    company = tenant_client(tenant)
    company.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    assert company.get(API).status_code == 404  # not served on company hosts at all
    # A company administrator's credentials mean nothing on the public host.
    response = public_client.post("/console/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    assert response.status_code == 200 and "sessionid" not in response.cookies
    assert public_client.get(API).status_code == 403


def test_staff_suspend_and_resume_through_the_api(make_tenant, platform_staff):
    tenant = make_tenant()
    response = platform_staff.post(f"{API}{tenant.slug}/suspend/", {"reason": "合同到期"},
                                   content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    assert response.json()["suspended_reason"] == "合同到期"
    again = platform_staff.post(f"{API}{tenant.slug}/suspend/", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "tenant_already_suspended"
    resumed = platform_staff.post(f"{API}{tenant.slug}/resume/", content_type="application/json")
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    event = PlatformEvent.objects.filter(tenant_slug=tenant.slug, action="suspend").get()
    assert event.actor == "ops@dangan.example" and event.reason == "合同到期"


def test_staff_cannot_touch_the_platform_row(db, platform_staff):
    assert platform_staff.post(f"{API}public/suspend/", {}, content_type="application/json").status_code == 404


def test_delete_needs_the_typed_subdomain(make_tenant, platform_staff):
    tenant = make_tenant()
    response = platform_staff.post(f"{API}{tenant.slug}/delete/", {"confirm_slug": "wrong"},
                                   content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "confirmation_mismatch"
    assert schema_exists(tenant.schema_name) and Tenant.objects.filter(pk=tenant.pk).exists()


def test_delete_drops_schema_and_objects_and_leaves_a_record(
        make_tenant, platform_staff, eager_tasks, django_capture_on_commit_callbacks):
    doomed = make_tenant(company_name="将删除公司")
    survivor = make_tenant()
    for tenant in (doomed, survivor):
        with schema_context(tenant.schema_name):
            object_store().put_stream("contracts/a.pdf", io.BytesIO(b"%PDF-1.4 test"))
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_staff.post(f"{API}{doomed.slug}/delete/",
                                       {"confirm_slug": doomed.slug, "reason": "客户要求注销"},
                                       content_type="application/json")
    assert response.status_code == 200, response.content
    assert not schema_exists(doomed.schema_name)
    assert not Tenant.objects.filter(slug=doomed.slug).exists()
    assert not Domain.objects.filter(domain=f"{doomed.slug}.localhost").exists()
    record = PlatformEvent.objects.get(tenant_slug=doomed.slug, action="delete")
    assert record.tenant_name == "将删除公司" and record.reason == "客户要求注销"
    assert record.details["storage_prefix"] == f"{doomed.schema_name}/"
    assert list(object_store().list_prefix(f"{doomed.schema_name}/")) == []
    assert len(list(object_store().list_prefix(f"{survivor.schema_name}/"))) == 1
    assert schema_exists(survivor.schema_name)
    connection.set_schema_to_public()
