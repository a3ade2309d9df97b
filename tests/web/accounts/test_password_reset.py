"""Password reset on a company host: a link by mail, naming the company's own host, that works
once and only on that company's host."""
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from dangan.accounts.models import User
from dangan.tenants.models import Domain
from dangan.tenants.services import tenant_host
from tests.web.conftest import text_of

RESET = "/accounts/password/reset/"
NEW_PASSWORD = "Xin-Mima-2026-chun"


def _link(mail) -> tuple[str, str]:
    """(host, path) of the set-password link in a mail."""
    found = re.search(r"https?://([^/\s]+)(/accounts/password/reset/[^\s]+/[^\s]+/)", mail.body)
    assert found, mail.body
    return found.group(1), found.group(2)


@pytest.fixture
def other_tenant(company, make_tenant):
    current = connection.tenant
    connection.set_schema_to_public()
    tenant = make_tenant(company_name="另一家公司")
    connection.set_tenant(current)
    return tenant


def test_the_login_page_offers_a_reset_in_chinese(company, tenant_client):
    client = tenant_client(company.tenant)
    assert f'href="{RESET}"' in text_of(client.get("/accounts/login/"))
    page = text_of(client.get(RESET))
    assert "重置密码" in page and "发送重置链接" in page and "华东医药销售有限公司" in page


def test_a_user_sets_a_new_password_from_the_mailed_link_once(company, tenant_client, mailoutbox):
    client = tenant_client(company.tenant)
    response = client.post(RESET, {"email": " Zhang@X.cn"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert "请查收邮件" in text_of(client.get(response["Location"]))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["zhang@x.cn"] and "华东医药销售有限公司" in mail.subject and "张三" in mail.body
    host, path = _link(mail)
    assert host == tenant_host(company.tenant.slug)

    opened = client.get(path)  # Django moves the token into the session, then shows the form
    assert opened.status_code == 302
    form_page = client.get(opened["Location"])
    assert form_page.context["validlink"] and "设置新密码" in text_of(form_page)
    weak = client.post(opened["Location"], {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and weak.context["form"].errors
    done = client.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    assert "新密码已保存" in text_of(client.get(done["Location"]))
    company.owner.refresh_from_db()
    assert company.owner.check_password(NEW_PASSWORD)

    again = tenant_client(company.tenant).get(path, follow=True)
    assert not again.context["validlink"] and "此链接无效或已失效" in text_of(again)


def test_unknown_and_deactivated_addresses_get_the_same_answer_and_no_mail(company, tenant_client, mailoutbox):
    User.objects.filter(pk=company.colleague.pk).update(is_active=False)
    client = tenant_client(company.tenant)
    for email in ("nobody@x.cn", "li@x.cn"):
        response = client.post(RESET, {"email": email})
        assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


def test_the_link_names_the_primary_host_not_the_request_host(company, tenant_client, mailoutbox):
    alias = f"alias-{company.tenant.slug}.localhost"
    with schema_context("public"):
        Domain.objects.create(domain=alias, tenant=company.tenant, is_primary=False)
    from django.test import Client

    Client(HTTP_HOST=alias).post(RESET, {"email": "zhang@x.cn"})
    assert _link(mailoutbox[0])[0] == tenant_host(company.tenant.slug)


def test_a_link_of_one_company_is_refused_on_another_companys_host(company, tenant_client, other_tenant, mailoutbox):
    """User ids repeat across companies (each has its own users table): the admin of the other
    company has the same id as ours, and still the link does not work there."""
    tenant_client(company.tenant).post(RESET, {"email": company.tenant.admin_email})
    _, path = _link(mailoutbox[0])
    with schema_context(other_tenant.schema_name):
        assert User.objects.filter(pk=company.admin.pk).exists()
    elsewhere = tenant_client(other_tenant).get(path, follow=True)
    assert not elsewhere.context["validlink"] and "此链接无效或已失效" in text_of(elsewhere)
    connection.set_tenant(company.tenant)
    # … while on our own host it works.
    assert tenant_client(company.tenant).get(path, follow=True).context["validlink"]


def test_a_user_of_another_company_cannot_reset_here(company, tenant_client, other_tenant, mailoutbox):
    tenant_client(company.tenant).post(RESET, {"email": other_tenant.admin_email})
    assert mailoutbox == []
