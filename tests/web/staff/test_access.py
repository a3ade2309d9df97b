"""Who reaches the staff console: signed-in platform staff only, on the public host only.

Anonymous visitors are sent to the staff sign-in, public-schema users without is_staff get 403,
a company's own administrator (whose account lives in the company's schema) is a stranger
here, and a company host does not serve /staff/ at all."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from dangan.tenants.models import Tenant
from tests.web.conftest import text_of

from .conftest import STAFF_PASSWORD


def _pages(slug: str) -> list[str]:
    return ["/staff/", "/staff/plans/", f"/staff/tenants/{slug}/", f"/staff/tenants/{slug}/suspend/",
            f"/staff/tenants/{slug}/resume/", f"/staff/tenants/{slug}/delete/"]


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(make_tenant, public_client):
    tenant = make_tenant()
    for url in _pages(tenant.slug):
        response = public_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/staff/login/?next=%2Fstaff%2F"), url
    posted = public_client.post(f"/staff/tenants/{tenant.slug}/suspend/", {"reason": "匿名"})
    assert posted.status_code == 302
    tenant.refresh_from_db()
    assert tenant.status == "active"


def test_public_users_without_staff_rights_are_refused(make_tenant, public_non_staff):
    tenant = make_tenant()
    for url in _pages(tenant.slug):
        assert public_non_staff.get(url).status_code == 403, url
    assert public_non_staff.post(f"/staff/tenants/{tenant.slug}/suspend/", {"reason": "x"}).status_code == 403
    assert public_non_staff.post(f"/staff/tenants/{tenant.slug}/delete/",
                                 {"confirm_slug": tenant.slug, "reason": "x"}).status_code == 403
    tenant.refresh_from_db()
    assert tenant.status == "active" and Tenant.objects.filter(pk=tenant.pk).exists()


def test_a_company_host_does_not_serve_the_console(make_tenant, tenant_client):
    tenant = make_tenant()
    company = tenant_client(tenant)
    signed_in = company.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    assert signed_in.status_code == 302
    for url in [*_pages(tenant.slug), "/staff/login/"]:
        assert company.get(url).status_code == 404, url
    assert company.post(f"/staff/tenants/{tenant.slug}/suspend/", {"reason": "x"}).status_code == 404
    tenant.refresh_from_db()
    assert tenant.status == "active"


def test_another_companys_administrator_is_a_stranger_on_the_public_host(make_tenant, tenant_client):
    """Their session cookie means nothing in the public schema, and their password no more."""
    own, victim = make_tenant(), make_tenant(company_name="别家公司")
    at_home = tenant_client(own)
    at_home.post("/accounts/login/", {"username": own.admin_email, "password": own.admin_password})
    carried = Client(HTTP_HOST="localhost")
    carried.cookies = at_home.cookies
    response = carried.get(f"/staff/tenants/{victim.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    sign_in = Client(HTTP_HOST="localhost").post("/staff/login/", {"username": own.admin_email,
                                                                    "password": own.admin_password})
    assert sign_in.status_code == 200 and "sessionid" not in sign_in.cookies
    assert "不是平台管理员" in text_of(sign_in)


def test_staff_sign_in_and_sign_out(make_tenant, staff_user):
    tenant = make_tenant(company_name="登录后可见")
    client = Client(HTTP_HOST="localhost")
    page = client.get("/staff/login/?next=/staff/plans/")
    assert page.status_code == 200 and 'name="password"' in text_of(page)
    signed_in = client.post("/staff/login/", {"username": "staff@dangan.example", "password": STAFF_PASSWORD,
                                              "next": "/staff/plans/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/staff/plans/"
    assert "登录后可见" in text_of(client.get("/staff/")) and tenant.slug in text_of(client.get("/staff/"))
    signed_out = client.post("/staff/logout/")
    assert signed_out.status_code == 302 and signed_out["Location"] == "/staff/login/"
    assert client.get("/staff/").status_code == 302


def test_a_non_staff_password_gets_the_same_answer_as_a_wrong_one(public_non_staff, staff_user):
    right_but_not_staff = Client(HTTP_HOST="localhost").post(
        "/staff/login/", {"username": "visitor@dangan.example", "password": STAFF_PASSWORD})
    wrong = Client(HTTP_HOST="localhost").post("/staff/login/", {"username": "staff@dangan.example",
                                                                 "password": "wrong"})
    assert right_but_not_staff.status_code == wrong.status_code == 200
    assert "sessionid" not in right_but_not_staff.cookies
    assert "邮箱或密码不正确，或该账号不是平台管理员。" in text_of(right_but_not_staff)
    assert "邮箱或密码不正确，或该账号不是平台管理员。" in text_of(wrong)


def test_repeated_failures_lock_the_staff_account_in_the_public_schema(staff_user):
    from axes.models import AccessAttempt
    from django_tenants.utils import schema_context

    client = Client(HTTP_HOST="localhost")
    responses = [client.post("/staff/login/", {"username": staff_user.email, "password": "wrong"})
                 for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert responses[-1].status_code == 429 and "账号已暂时锁定" in text_of(responses[-1])
    right = client.post("/staff/login/", {"username": staff_user.email, "password": STAFF_PASSWORD})
    assert right.status_code == 429 and "sessionid" not in right.cookies
    with schema_context("public"):
        assert AccessAttempt.objects.filter(username=staff_user.email).exists()


@pytest.mark.parametrize("page", ["/console/", "/staff/"])
def test_the_admin_and_the_console_link_to_each_other(platform_staff, page):
    html = text_of(platform_staff.get(page))
    assert ('href="/staff/"' if page == "/console/" else 'href="/console/"') in html
