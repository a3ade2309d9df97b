"""A classified file in Debian's chromium: a salesperson of the owning department cannot open
it (the register shows only its number and level), asks to read it, the deputy general manager
approves on the requests page, and the file opens for the salesperson."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from dangan.accounts import roles

from .conftest import screenshot
from .test_flow import assert_no_problems, sign_in

PASSWORD = "Mimi-Archive-2026"


def classified_file_of(slug: str, admin_email: str) -> tuple[int, str]:
    """A salesperson and a deputy general manager, and a 秘密 file of the salesperson's
    department, made through the services."""
    from dangan.accounts.models import User
    from dangan.archives.models import Department
    from dangan.archives.services import configuration as config
    from dangan.archives.services.customers import customer_create
    from dangan.governance.models import ConfidentialityLevel
    from dangan.governance.services import confidentiality
    from dangan.tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug=slug)):
        admin = User.objects.get(email=admin_email)
        seller = User.objects.create_user(email="li@mimi.cn", password=PASSWORD, full_name="李业务")
        seller.groups.add(Group.objects.get(name=roles.SALESPERSON))
        deputy = User.objects.create_user(email="feng@mimi.cn", password=PASSWORD, full_name="冯副总")
        deputy.groups.add(Group.objects.get(name=roles.DEPUTY_MANAGER))
        custodian = User.objects.create_user(email="sun@mimi.cn", password=PASSWORD, full_name="孙档案")
        custodian.groups.add(Group.objects.get(name=roles.CUSTODIAN))
        sales1 = Department.objects.get(code="sales1")
        config.department_set_members(actor=admin, department=sales1, members=[seller])
        customer = customer_create(actor=seller, category="jxs", name="保密客户丙", region="east", grade="A",
                                   department=sales1.pk, contacts=[{"name": "周经理", "phone": "13900001111"}])
        confidentiality.customer_confidentiality_set(
            actor=custodian, customer=customer, level=ConfidentialityLevel.objects.get(code="secret"),
            reason="涉及商业秘密")
        return customer.pk, customer.archive_number


@pytest.mark.browser
def test_a_salesperson_opens_a_classified_file_only_after_approval(browser_session, live_server_url, signup_data):
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data(company_name="觅秘贸易有限公司"))  # committed: the server must see it
    pk, number = classified_file_of(tenant.slug, tenant.admin_email)
    base = live_server_url.replace("//localhost", f"//{tenant.slug}.localhost")

    seller = browser_session()
    sign_in(seller, base, "li@mimi.cn", PASSWORD)
    response = seller.goto(f"{base}/customers/{pk}/")
    assert response.status == 404  # not even its name
    seller.goto(f"{base}/classified/")
    row = seller.locator("tr", has_text=number)
    expect(row).to_contain_text("秘密")
    expect(seller.locator("main")).not_to_contain_text("保密客户丙")
    row.get_by_text("申请查阅").click()
    row.get_by_label("查阅事由").fill("核对合同付款条款")
    row.get_by_label("查阅天数").fill("2")
    screenshot(seller, "12-classified-request")
    row.get_by_role("button", name="提交申请").click()
    expect(seller.locator("main")).to_contain_text("待审批")

    deputy = browser_session()
    sign_in(deputy, base, "feng@mimi.cn", PASSWORD)
    deputy.goto(f"{base}/access-requests/")
    request_row = deputy.locator("tr", has_text="核对合同付款条款")
    request_row.get_by_label("审批意见").fill("同意，两天内查阅")
    screenshot(deputy, "13-classified-approval")
    request_row.get_by_role("button", name="批准").click()
    expect(deputy.locator("main")).to_contain_text("已批准")

    response = seller.goto(f"{base}/customers/{pk}/")
    assert response.status == 200
    expect(seller.locator("main")).to_contain_text("保密客户丙")
    expect(seller.locator("main")).to_contain_text("秘密")
    screenshot(seller, "14-classified-file-open")
    assert_no_problems(seller)
    assert_no_problems(deputy)
