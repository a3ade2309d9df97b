"""The staff console in Debian's chromium: a platform staff member signs in on the public host,
finds a company by its subdomain, suspends it with a reason, and the company's host refuses
requests from then on."""
from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from .conftest import screenshot
from .test_flow import assert_no_problems

PASSWORD = "Ops-Console-2026"
STAFF_EMAIL = "browser-ops@dangan.example"


@pytest.fixture
def staff_account(committed):
    """A committed public-schema staff account (the server must see it), removed afterwards."""
    from dangan.accounts.models import User

    with schema_context("public"):
        User.objects.create_user(email=STAFF_EMAIL, password=PASSWORD, full_name="浏览器运维", is_staff=True)
    yield STAFF_EMAIL
    # Not through the ORM: its cascade looks into tables that only company schemas have
    # (API tokens); the account has no rows elsewhere in the public schema.
    with schema_context("public"), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE email = %s", [STAFF_EMAIL])


@pytest.mark.browser
def test_staff_signs_in_and_suspends_a_company(browser_session, live_server_url, signup_data, staff_account):
    from dangan.tenants.models import PlatformEvent, Tenant
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data(company_name="浏览器暂停测试公司"))  # committed: the server must see it
    page = browser_session()
    page.goto(f"{live_server_url}/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("平台管理员登录")  # sent to sign in first
    page.get_by_label("邮箱").fill(staff_account)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("公司")

    page.get_by_label("搜索").fill(tenant.slug)  # htmx refreshes the results as one types
    expect(page.locator("#results tbody tr")).to_have_count(1)
    screenshot(page, "staff-console-list")
    page.get_by_role("link", name="浏览器暂停测试公司").click()
    page.get_by_role("link", name="暂停…").click()
    page.get_by_label("暂停原因").fill("浏览器测试：合同到期")
    page.get_by_role("button", name="确认暂停").click()
    expect(page.locator(".messages")).to_contain_text("已暂停“浏览器暂停测试公司”")
    expect(page.locator("table.list")).to_contain_text("浏览器测试：合同到期")
    screenshot(page, "staff-console-suspended")
    assert_no_problems(page)

    assert Tenant.objects.get(pk=tenant.pk).status == "suspended"
    event = PlatformEvent.objects.get(tenant_slug=tenant.slug, action="suspend")
    assert event.actor == staff_account and event.reason == "浏览器测试：合同到期"
    company_site = browser_session()
    company_base = live_server_url.replace("//localhost", f"//{tenant.slug}.localhost")
    answer = company_site.goto(f"{company_base}/accounts/login/")
    assert answer.status == 403
