"""Suspend, resume and delete from the staff console: each asks first, posts with CSRF, goes
through tenants/services.py and leaves a platform event with its actor and reason."""
from __future__ import annotations

from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from dangan.tenants.models import Domain, PlatformEvent, Tenant
from dangan.tenants.services import tenant_suspend
from tests.web.conftest import text_of

from .conftest import row_of

MB = 1024 * 1024


def test_detail_shows_usage_and_the_platform_events_with_actor_and_reason(make_tenant, platform_staff):
    from dangan.documents.models import StorageUsage

    tenant = make_tenant(company_name="详情公司")
    with schema_context(tenant.schema_name):
        StorageUsage.objects.update_or_create(id=1, defaults={"used_bytes": 5 * MB})
    tenant_suspend(actor=None, tenant=tenant, reason="合同到期未续费")
    response = platform_staff.get(f"/staff/tenants/{tenant.slug}/")
    assert response.status_code == 200
    html = text_of(response)
    assert f"{tenant.slug}.localhost" in html and tenant.admin_email in html and tenant.schema_name in html
    assert "已暂停" in html and f"/staff/tenants/{tenant.slug}/resume/" in html
    suspended = row_of(html, ">合同到期未续费</td>")
    assert ">system<" in suspended and "已暂停" in suspended
    assert "已注册" in row_of(html, f">{tenant.admin_email}</td>")
    events = response.context["events"]
    assert [event.action for event in events] == ["suspend", "signup"]
    assert events[0].reason == "合同到期未续费" and events[1].actor == tenant.admin_email
    assert response.context["figures"].users == 1  # the administrator signup made
    assert f'<progress max="{tenant.plan.max_storage_mb * MB}" value="{5 * MB}"' in html


def test_suspend_asks_for_a_reason_then_suspends_and_records_it(make_tenant, platform_staff):
    tenant = make_tenant(company_name="将暂停公司")
    url = f"/staff/tenants/{tenant.slug}/suspend/"
    confirm = platform_staff.get(url)
    assert confirm.status_code == 200
    assert 'name="reason"' in text_of(confirm) and "csrfmiddlewaretoken" in text_of(confirm)
    refused = platform_staff.post(url, {"reason": "  "})
    assert refused.status_code == 400
    tenant.refresh_from_db()
    assert tenant.status == "active"
    assert not PlatformEvent.objects.filter(tenant_slug=tenant.slug, action="suspend").exists()

    done = platform_staff.post(url, {"reason": "长期欠费"})
    assert done.status_code == 302 and done["Location"] == f"/staff/tenants/{tenant.slug}/"
    tenant.refresh_from_db()
    assert tenant.status == "suspended" and tenant.suspended_reason == "长期欠费"
    event = PlatformEvent.objects.get(tenant_slug=tenant.slug, action="suspend")
    assert event.actor == "ops@dangan.example" and event.reason == "长期欠费"
    page = text_of(platform_staff.get(done["Location"]))
    assert "已暂停“将暂停公司”" in page and "长期欠费" in page


def test_suspending_twice_shows_the_services_refusal_with_its_code(make_tenant, platform_staff):
    tenant = make_tenant()
    tenant_suspend(actor=None, tenant=tenant, reason="first")
    again = platform_staff.post(f"/staff/tenants/{tenant.slug}/suspend/", {"reason": "second"})
    assert again.status_code == 409
    html = text_of(again)
    assert "该公司已处于暂停状态。" in html and "tenant_already_suspended" in html
    english = platform_staff.post(f"/staff/tenants/{tenant.slug}/suspend/", {"reason": "second"},
                                  headers={"Accept-Language": "en"})
    assert "This company is already suspended." in text_of(english)
    assert PlatformEvent.objects.filter(tenant_slug=tenant.slug, action="suspend").count() == 1


def test_resume_asks_first_then_resumes(make_tenant, platform_staff):
    tenant = make_tenant()
    tenant_suspend(actor=None, tenant=tenant, reason="欠费")
    url = f"/staff/tenants/{tenant.slug}/resume/"
    confirm = platform_staff.get(url)
    assert confirm.status_code == 200 and "欠费" in text_of(confirm)
    tenant.refresh_from_db()
    assert tenant.is_suspended  # a GET changes nothing
    done = platform_staff.post(url)
    assert done.status_code == 302
    tenant.refresh_from_db()
    assert tenant.status == "active"
    assert PlatformEvent.objects.get(tenant_slug=tenant.slug, action="resume").actor == "ops@dangan.example"
    not_suspended = platform_staff.post(url)
    assert not_suspended.status_code == 409 and "tenant_not_suspended" in text_of(not_suspended)


def test_delete_with_the_wrong_subdomain_is_refused(make_tenant, platform_staff):
    tenant = make_tenant()
    url = f"/staff/tenants/{tenant.slug}/delete/"
    assert tenant.slug in text_of(platform_staff.get(url))
    refused = platform_staff.post(url, {"confirm_slug": "not-it", "reason": "测试"})
    assert refused.status_code == 400
    assert "confirmation_mismatch" in text_of(refused) and tenant.slug in text_of(refused)
    assert Tenant.objects.filter(pk=tenant.pk).exists() and schema_exists(tenant.schema_name)
    no_reason = platform_staff.post(url, {"confirm_slug": tenant.slug, "reason": ""})
    assert no_reason.status_code == 400 and Tenant.objects.filter(pk=tenant.pk).exists()


def test_delete_with_the_right_subdomain_drops_the_company_and_queues_the_purge(
        make_tenant, platform_staff, monkeypatch, django_capture_on_commit_callbacks):
    from dangan.tenants import tasks

    queued = []
    monkeypatch.setattr(tasks.purge_tenant_objects, "delay", queued.append)
    doomed = make_tenant(company_name="将删除公司")
    survivor = make_tenant(company_name="留下的公司")
    with django_capture_on_commit_callbacks(execute=True):
        done = platform_staff.post(f"/staff/tenants/{doomed.slug}/delete/",
                                   {"confirm_slug": doomed.slug.upper(), "reason": "客户要求注销"})
    assert done.status_code == 302 and done["Location"] == "/staff/?status=deleted"
    assert not Tenant.objects.filter(slug=doomed.slug).exists() and not schema_exists(doomed.schema_name)
    assert not Domain.objects.filter(domain=f"{doomed.slug}.localhost").exists()
    assert len(queued) == 1 and doomed.schema_name in queued[0]  # the company's storage prefix
    event = PlatformEvent.objects.get(tenant_slug=doomed.slug, action="delete")
    assert event.actor == "ops@dangan.example" and event.reason == "客户要求注销"
    assert schema_exists(survivor.schema_name)
    listed = text_of(platform_staff.get(done["Location"]))
    assert "已删除“将删除公司”" in listed and "客户要求注销" in row_of(listed, f">{doomed.slug}</td>")


def test_actions_need_the_csrf_token(make_tenant, staff_user):
    tenant = make_tenant()
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(f"/staff/tenants/{tenant.slug}/suspend/", {"reason": "无令牌"})
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.status == "active"
