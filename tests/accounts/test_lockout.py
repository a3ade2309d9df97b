"""Login lockout (django-axes): N failed passwords lock an account on its company only; the
web login page and the token endpoint say so in both languages with a stable code; an
administrator can unlock early, and the lockout ends by itself after the cool-off. Platform
staff on the public host are locked out the same way, in the public schema."""
from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from dangan.accounts import lockout
from dangan.platform.errors import ApplicationError

PASSWORD = "pw-Archive-2026"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def twin(company, make_tenant):
    """Another company with a user of the same e-mail as the `company`'s owner."""
    from dangan.accounts.models import User

    connection.set_schema_to_public()
    other = make_tenant(company_name="同名公司")
    with tenant_context(other):
        User.objects.create_user(email=company.owner.email, password=PASSWORD, full_name="另一个张三")
    connection.set_tenant(company.tenant)
    return other


def _fail_until_locked(client, email):
    responses = [client.post("/accounts/login/", {"username": email, "password": "wrong-password"})
                 for _ in range(settings.AXES_FAILURE_LIMIT)]
    return responses


def test_n_wrong_passwords_lock_the_account_on_its_company_only(company, twin, sign_in, tenant_client):
    email = company.owner.email
    client = tenant_client(company.tenant)
    responses = _fail_until_locked(client, email)
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert "邮箱或密码不正确" in responses[0].content.decode()
    last = responses[-1]
    assert last.status_code == 429 and "账号已暂时锁定" in last.content.decode()
    # Now even the right password is refused on company A, whatever the case of the address…
    refused_client, right = sign_in(company.tenant, email.upper(), PASSWORD)
    assert right.status_code == 429 and "账号已暂时锁定" in right.content.decode()
    assert refused_client.get("/").status_code == 302  # not signed in
    # … while the same address on company B is another person, not locked.
    own_client, on_twin = sign_in(twin, email, PASSWORD)
    assert on_twin.status_code == 302 and own_client.get("/").status_code == 200
    with tenant_context(twin):
        from axes.models import AccessAttempt

        from dangan.accounts.models import User

        assert not AccessAttempt.objects.exists()
        # B's administrator sees no locked account on B's security page.
        admin_b = tenant_client(twin)
        admin_b.force_login(User.objects.get(email=twin.admin_email))
    page = admin_b.get("/accounts/security/")
    assert page.status_code == 200 and email not in page.content.decode()


def test_the_lockout_message_is_english_for_english_readers(company, tenant_client):
    client = tenant_client(company.tenant)
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    last = _fail_until_locked(client, company.owner.email)[-1]
    assert last.status_code == 429 and "Too many failed sign-ins" in last.content.decode()


def test_the_token_endpoint_answers_account_locked_with_a_stable_code(company, twin, tenant_client):
    email = company.owner.email
    client = tenant_client(company.tenant)
    wrong = [client.post(TOKEN_URL, {"email": email, "password": "nope"}, content_type="application/json")
             for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [r.json()["error"]["code"] for r in wrong[:-1]] == ["login_failed"] * (settings.AXES_FAILURE_LIMIT - 1)
    assert wrong[-1].status_code == 429 and wrong[-1].json()["error"]["code"] == "account_locked"
    right = client.post(TOKEN_URL, {"email": email, "password": PASSWORD}, content_type="application/json")
    assert right.status_code == 429
    body = right.json()["error"]
    assert body["code"] == "account_locked" and "锁定" in body["message"]["zh-hans"]
    assert "locked" in body["message"]["en"] and "token" not in right.json()
    # The web login shares the count: the account is locked there too.
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 429
    # Another company's host: A's credentials mean nothing there (B's user has its own password count).
    on_twin = tenant_client(twin).post(TOKEN_URL, {"email": email, "password": PASSWORD}, content_type="application/json")
    assert on_twin.status_code == 200 and on_twin.json()["token"]


def test_an_administrator_unlocks_from_the_security_page(company, tenant_client, sign_in):
    email = company.owner.email
    _fail_until_locked(tenant_client(company.tenant), email)
    connection.set_tenant(company.tenant)
    assert [a.username for a in lockout.locked_accounts()] == [email]
    # Not for anyone but administrators, page or service.
    colleague = tenant_client(company.tenant)
    colleague.force_login(company.supervisor)
    assert colleague.post("/accounts/security/unlock/", {"username": email}).status_code == 403
    connection.set_tenant(company.tenant)
    with pytest.raises(ApplicationError) as refused:
        lockout.login_lockout_clear(actor=company.supervisor, username=email)
    assert refused.value.code == "permission_denied"
    admin = tenant_client(company.tenant)
    admin.force_login(company.admin)
    page = admin.get("/accounts/security/")
    assert page.status_code == 200 and email in page.content.decode()
    assert admin.post("/accounts/security/unlock/", {"username": email.upper()}).status_code == 302
    connection.set_tenant(company.tenant)
    assert not lockout.locked_accounts().exists()
    from dangan.governance.models import AuditEvent

    assert AuditEvent.objects.filter(action="login_lockout.clear", summary__username=email).exists()
    client, response = sign_in(company.tenant, email, PASSWORD)
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_the_lockout_ends_by_itself_after_the_cool_off(company, tenant_client, sign_in):
    from axes.models import AccessAttempt

    email = company.owner.email
    _fail_until_locked(tenant_client(company.tenant), email)
    assert sign_in(company.tenant, email, PASSWORD)[1].status_code == 429
    # The failures age past the cool-off window (as they would after AXES_COOLOFF_TIME).
    connection.set_tenant(company.tenant)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    client, response = sign_in(company.tenant, email, PASSWORD)
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_a_correct_password_clears_earlier_failures(company, tenant_client, sign_in):
    email = company.owner.email
    client = tenant_client(company.tenant)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": email, "password": "wrong-password"})
    assert sign_in(company.tenant, email, PASSWORD)[1].status_code == 302
    # A fresh run of failures is needed to lock the account now.
    assert client.post("/accounts/login/", {"username": email, "password": "wrong-password"}).status_code == 200
    assert sign_in(company.tenant, email, PASSWORD)[1].status_code == 302


def test_platform_staff_are_locked_out_in_the_public_schema(company, public_client, sign_in):
    from axes.models import AccessAttempt

    from dangan.accounts.models import User

    with schema_context("public"):
        User.objects.create_superuser(email=company.owner.email, password=PASSWORD, full_name="运维")
    responses = [public_client.post("/console/login/", {"username": company.owner.email, "password": "wrong"})
                 for _ in range(settings.AXES_FAILURE_LIMIT)]
    last = responses[-1]
    assert last.status_code == 429 and "账号已暂时锁定" in last.content.decode()
    right = public_client.post("/console/login/", {"username": company.owner.email, "password": PASSWORD})
    assert right.status_code == 429
    with schema_context("public"):
        assert AccessAttempt.objects.filter(username=company.owner.email).exists()
    # The company user with the same address is untouched.
    with tenant_context(company.tenant):
        assert not AccessAttempt.objects.exists()
    assert sign_in(company.tenant, company.owner.email, PASSWORD)[1].status_code == 302


def test_platform_staff_unlock_from_the_console(platform_staff):
    """The console lists (and deletes) failed attempts of the public schema: django-axes' admin."""
    response = platform_staff.get("/console/axes/accessattempt/")
    assert response.status_code == 200 and "axes" in response.content.decode().lower()
