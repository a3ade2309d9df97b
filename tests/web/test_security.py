"""Content-Security-Policy, no inline script, CSRF, and user text always escaped."""
import re

import pytest

from tests.web.conftest import SCRIPT, scripts_without_src, text_of

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def test_company_pages_carry_a_strict_policy(company, web, new_customer):
    customer = new_customer()
    client = web(company.owner)
    for url in ["/", "/customers/", f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/", "/approvals/"]:
        csp = policy(client.get(url))
        assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'", url
        assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
        assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'self'"
        assert csp["style-src"] == "'self'" and csp["form-action"] == "'self'"


def test_public_pages_carry_the_policy(db, public_client):
    for url in ["/", "/signup/"]:
        assert policy(public_client.get(url))["script-src"] == "'self'"


def _no_inline_code(html: str, where: str) -> None:
    assert not scripts_without_src(html), where
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), f"inline event handler in {where}"
    assert not re.search(r"\sstyle\s*=", html, re.I), f"style attribute in {where}"
    assert "<style" not in html, where
    assert "javascript:" not in html.lower(), where


def test_no_page_has_inline_script_handlers_or_styles(company, web, new_customer, category_with_fields):
    customer = new_customer()
    admin = web(company.admin)
    urls = ["/", "/customers/", f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/", "/customers/new/",
            f"/customers/new/?category={category_with_fields.pk}", "/approvals/", "/settings/",
            f"/settings/categories/{category_with_fields.pk}/", "/settings/classification/", "/settings/departments/"]
    for url in urls:
        response = admin.get(url)
        assert response.status_code == 200, url
        _no_inline_code(text_of(response), url)


def test_public_pages_have_no_inline_code(db, public_client, tenant_client, make_tenant):
    for url in ["/", "/signup/"]:
        _no_inline_code(text_of(public_client.get(url)), url)
    tenant = make_tenant()
    _no_inline_code(text_of(tenant_client(tenant).get("/accounts/login/")), "login")


def test_the_staff_console_works_under_the_same_policy(platform_staff, make_tenant, public_client):
    """Django's admin has had no inline script since 4.x: the console needs no exemption."""
    tenant = make_tenant()
    login = public_client.get("/console/login/")
    assert policy(login)["script-src"] == "'self'"
    for url in ["/console/", "/console/tenants/tenant/", f"/console/tenants/tenant/{tenant.pk}/change/"]:
        response = platform_staff.get(url)
        assert response.status_code == 200, url
        assert policy(response)["script-src"] == "'self'"
        assert not scripts_without_src(text_of(response)), url


def test_no_page_allows_a_cdn(company, web):
    """The API docs too are served from our own static files (tests/web/test_api_docs.py)."""
    client = web(company.owner)
    for url in ["/", "/api/docs/", "/api/redoc/"]:
        header = client.get(url)["Content-Security-Policy"]
        assert "http" not in header and policy(client.get(url))["script-src"] == "'self'", url


def test_posts_without_the_csrf_token_are_refused(company, web, new_customer):
    customer = new_customer()
    client = web(company.owner, enforce_csrf_checks=True)
    page = client.get(f"/customers/{customer.pk}/")
    assert client.post(f"/customers/{customer.pk}/actions/submit/").status_code == 403
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', text_of(page)).group(1)
    # what app.js adds to every htmx request
    ok = client.post(f"/customers/{customer.pk}/actions/submit/", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 302


def test_user_text_with_script_renders_as_text(company, web, category_with_fields, new_customer):
    customer = new_customer(category="car", name=f"客户{SCRIPT}", address=SCRIPT,
                            custom_fields={"plate_no": SCRIPT}, contacts=[{"name": f"联系人{SCRIPT}"}])
    from dangan.archives.services import lifecycle, records

    records.communication_create(actor=company.owner, customer=customer, summary=SCRIPT, contact_name=SCRIPT)
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_return(actor=company.supervisor, customer=customer, reason=SCRIPT)
    client = web(company.owner)
    pages = {
        "detail": client.get(f"/customers/{customer.pk}/"),
        "list": client.get("/customers/"),
        "dashboard": client.get("/"),
        "edit": client.get(f"/customers/{customer.pk}/edit/"),
        "communications": client.get(f"/customers/{customer.pk}/sections/communications/", HTTP_HX_REQUEST="true"),
        "history": client.get(f"/customers/{customer.pk}/sections/history/", HTTP_HX_REQUEST="true"),
    }
    for name, response in pages.items():
        html = text_of(response)
        assert SCRIPT not in html, name
        assert ESCAPED in html or "&lt;script&gt;" in html, name
    detail = text_of(pages["detail"])
    assert f"客户{ESCAPED}" in detail  # the customer name
    assert f"<dd>{ESCAPED}</dd>" in detail  # the custom field value (and the address)
    assert f"联系人{ESCAPED}" in detail  # the contact name


def test_custom_field_labels_and_choices_are_escaped_too(company, web):
    from dangan.archives.services import configuration as config

    category = config.category_create(actor=company.admin, code="xss", name=f"类别{SCRIPT}")
    config.field_define(actor=company.admin, category=category, key="c", label=f"标签{SCRIPT}", field_type="choice",
                        choices=[SCRIPT], help_text=SCRIPT)
    for url in [f"/customers/new/?category={category.pk}", f"/settings/categories/{category.pk}/", "/settings/"]:
        html = text_of(web(company.admin).get(url))
        assert SCRIPT not in html and "&lt;script&gt;" in html, url


@pytest.mark.parametrize("header", ["X-Frame-Options", "X-Content-Type-Options"])
def test_other_security_headers_remain(company, web, header):
    assert web(company.owner).get("/").has_header(header)


def test_account_settings_and_governance_pages_have_no_inline_code(company, web, tenant_client):
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User

    auditor = User.objects.create_user(email="audit@x.cn", password="pw-Audit-2026", full_name="周审计")
    auditor.groups.set(Group.objects.filter(name=roles.AUDITOR))
    pages = {company.admin: ["/settings/users/", f"/settings/users/{company.owner.pk}/", "/settings/api-keys/",
                             "/settings/retention/", "/disposition/", "/destruction-records/", "/legal-holds/"],
             auditor: ["/access-log/", "/audit-chain/"]}
    for user, urls in pages.items():
        client = web(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert policy(response)["script-src"] == "'self'", url
            _no_inline_code(text_of(response), url)
    anonymous = tenant_client(company.tenant)
    for url in ["/accounts/password/reset/", "/accounts/password/reset/sent/", "/accounts/password/reset/done/",
                "/accounts/password/reset/MQ/bad-token/"]:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        _no_inline_code(text_of(response), url)
