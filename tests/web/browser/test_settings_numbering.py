"""The numbering settings page in Debian's chromium: typing a pattern shows the example of the
next number as it would be issued (htmx, under the strict CSP), an invalid pattern says why,
and saving it changes the category's pattern."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from dangan.accounts import roles

from .conftest import screenshot
from .test_flow import assert_no_problems, sign_in

PASSWORD = "Numbering-Admin-2026"


@pytest.mark.browser
def test_typing_a_pattern_previews_the_next_number(browser_session, live_server_url, signup_data):
    from dangan.accounts.models import User
    from dangan.archives.models import ArchiveCategory
    from dangan.tenants.models import Tenant
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data(company_name="编号测试有限公司"))  # committed: the server must see it
    with tenant_context(Tenant.objects.get(slug=tenant.slug)):
        admin = User.objects.create_user(email="admin2@bianhao.cn", password=PASSWORD, full_name="管理员二")
        admin.groups.add(Group.objects.get(name=roles.TENANT_ADMIN))
        gf = ArchiveCategory.objects.get(code="gf").pk
    base = live_server_url.replace("//localhost", f"//{tenant.slug}.localhost")

    page = browser_session()
    sign_in(page, base, "admin2@bianhao.cn", PASSWORD)
    page.goto(f"{base}/settings/numbering/{gf}/")
    example = page.locator("#number-example")
    expect(example).to_contain_text(f"GF-{dt.date.today().year}-00001")
    page.get_by_role("textbox", name="编号规则").fill("{category}/{region}/{seq:03}")
    expect(example).to_contain_text("GF/NORTH/001")
    page.get_by_role("textbox", name="编号规则").fill("{category}-{oops}-{seq}")
    expect(example).to_contain_text("未知占位符 oops")
    page.get_by_role("textbox", name="编号规则").fill("HF-{yy}-{seq:04}")
    expect(example).to_contain_text(f"HF-{dt.date.today().year % 100:02d}-0001")
    screenshot(page, "settings-numbering-preview")
    page.get_by_role("button", name="保存编号规则").click()
    expect(page.get_by_role("row", name="购房客户")).to_contain_text("HF-{yy}-{seq:04}")
    assert_no_problems(page)
    with tenant_context(Tenant.objects.get(slug=tenant.slug)):
        assert ArchiveCategory.objects.get(pk=gf).numbering_pattern == "HF-{yy}-{seq:04}"
