"""Two-factor sign-in (TOTP, django-otp) with real codes computed from the device key:
enrolment from the QR page, the code after the password, the company's requirement for
administrators and approvers (enrolment forced before anything else), the token endpoint, and
approvals refused without a verified session when the company requires it."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from dangan.accounts import two_factor
from dangan.accounts.models import SecuritySettings
from dangan.platform.errors import ApplicationError

from .conftest import totp_code

PASSWORD = "pw-Archive-2026"
TOKEN_URL = "/api/v1/auth/token/"
VERIFY_URL = "/accounts/two-factor/verify/"
SETUP_URL = "/accounts/two-factor/"


def _code(callable_, **kwargs) -> str:
    with pytest.raises(ApplicationError) as caught:
        callable_(**kwargs)
    return caught.value.code


def _enrol(tenant, user) -> TOTPDevice:
    """Two-factor turned on for `user` through the services (the web flow has its own test)."""
    with tenant_context(tenant):
        device = two_factor.two_factor_enrolment_start(actor=user)
        return two_factor.two_factor_enrolment_confirm(actor=user, code=totp_code(device))


def _require(company, on: bool = True) -> None:
    connection.set_tenant(company.tenant)
    two_factor.security_settings_update(actor=company.admin, require_two_factor=on)


def test_enrolment_shows_a_qr_code_and_a_code_from_it_turns_two_factor_on(company, web):
    client = web(company.owner)
    page = client.get(SETUP_URL)
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "class=\"qrline\"" in html
    connection.set_tenant(company.tenant)
    device = TOTPDevice.objects.get(user=company.owner)
    assert not device.confirmed and device.config_url.startswith("otpauth://totp/")
    # Reloading shows the same device (a QR code already scanned stays valid).
    client.get(SETUP_URL)
    connection.set_tenant(company.tenant)
    assert TOTPDevice.objects.filter(user=company.owner).count() == 1
    wrong = client.post(SETUP_URL, {"action": "confirm", "code": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    connection.set_tenant(company.tenant)
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # django-otp slows retries after a wrong code; this test need not wait
    done = client.post(SETUP_URL, {"action": "confirm", "code": totp_code(device), "next": "/customers/"})
    assert done.status_code == 302 and done["Location"] == "/customers/"
    connection.set_tenant(company.tenant)
    device.refresh_from_db()
    assert device.confirmed
    from dangan.governance.models import AuditEvent

    assert AuditEvent.objects.filter(action="two_factor.enable", summary__email=company.owner.email).exists()
    # The session that gave the code is verified: it goes on without being asked again.
    assert client.get("/").status_code == 200


def test_sign_in_asks_for_the_code_after_the_password(company, sign_in):
    device = _enrol(company.tenant, company.owner)
    client, response = sign_in(company.tenant, company.owner.email, PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY_URL)
    # Signed in with the password only, nothing else is reachable: pages redirect, the API refuses.
    blocked = client.get("/customers/")
    assert blocked.status_code == 302 and blocked["Location"].startswith(VERIFY_URL)
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    assert set(api.json()["error"]["message"]) == {"zh-hans", "en"}
    page = client.get(VERIFY_URL)
    assert page.status_code == 200 and "验证码" in page.content.decode()
    wrong = client.post(VERIFY_URL, {"code": "abcdef"})
    assert wrong.status_code == 400
    connection.set_tenant(company.tenant)
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code slows the next try; this test need not wait
    code = totp_code(device, steps_ahead=1)
    ok = client.post(VERIFY_URL, {"code": code, "next": "/customers/"})
    assert ok.status_code == 302 and ok["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200 and client.get("/api/v1/me/").status_code == 200
    # The same code again (another session): refused, codes are single-use.
    other, _ = sign_in(company.tenant, company.owner.email, PASSWORD)
    replay = other.post(VERIFY_URL, {"code": code})
    assert replay.status_code == 400 and other.get("/").status_code == 302


def test_repeated_wrong_codes_are_slowed_down(company, sign_in):
    device = _enrol(company.tenant, company.owner)
    client, _ = sign_in(company.tenant, company.owner.email, PASSWORD)
    assert client.post(VERIFY_URL, {"code": "000001"}).status_code == 400
    # Right away, even the right code waits: guessing 10^6 codes is made slow.
    throttled = client.post(VERIFY_URL, {"code": totp_code(device, steps_ahead=1)})
    assert throttled.status_code == 429 and "秒后再试" in throttled.content.decode()


def test_a_device_on_one_company_does_not_concern_the_same_email_on_another(company, make_tenant, sign_in):
    from dangan.accounts.models import User

    _enrol(company.tenant, company.owner)
    connection.set_schema_to_public()
    twin = make_tenant(company_name="同名公司")
    with tenant_context(twin):
        User.objects.create_user(email=company.owner.email, password=PASSWORD, full_name="另一个张三")
    client, response = sign_in(twin, company.owner.email, PASSWORD)
    assert response.status_code == 302 and not response["Location"].startswith(VERIFY_URL)
    assert client.get("/").status_code == 200
    # And the company's own host keeps asking its user for the code.
    assert sign_in(company.tenant, company.owner.email, PASSWORD)[1]["Location"].startswith(VERIFY_URL)


def test_the_requirement_forces_administrators_and_approvers_to_enrol_first(company, web, sign_in):
    admin = web(company.admin)
    assert admin.post("/accounts/security/", {"require_two_factor": "on"}).status_code == 302
    connection.set_tenant(company.tenant)
    assert SecuritySettings.load().require_two_factor
    # An approver (supervisor) without a device: straight to enrolment, and nothing else.
    client, response = sign_in(company.tenant, company.supervisor.email, PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith(SETUP_URL)
    assert client.get("/customers/")["Location"].startswith(SETUP_URL)
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_enrolment_required"
    page = client.get(SETUP_URL)
    assert page.status_code == 200 and "贵公司要求" in page.content.decode()
    connection.set_tenant(company.tenant)
    device = TOTPDevice.objects.get(user=company.supervisor)
    assert client.post(SETUP_URL, {"action": "confirm", "code": totp_code(device)}).status_code == 302
    assert client.get("/customers/").status_code == 200
    # Mandatory: the approver cannot turn it off again.
    connection.set_tenant(company.tenant)
    assert _code(two_factor.two_factor_disable, actor=company.supervisor,
                 code=totp_code(device, steps_ahead=1)) == "two_factor_mandatory"
    # A salesperson is neither administrator nor approver: no code asked.
    own, response = sign_in(company.tenant, company.owner.email, PASSWORD)
    assert response.status_code == 302 and own.get("/").status_code == 200
    # The administrator's own session, signed in before the rule, now owes enrolment too.
    assert admin.get("/customers/")["Location"].startswith(SETUP_URL)


def test_turning_two_factor_off_needs_a_current_code(company, web):
    device = _enrol(company.tenant, company.owner)
    connection.set_tenant(company.tenant)
    assert _code(two_factor.two_factor_disable, actor=company.owner, code="") == "two_factor_code_required"
    two_factor.two_factor_disable(actor=company.owner, code=totp_code(device, steps_ahead=1))
    assert not TOTPDevice.objects.filter(user=company.owner).exists()
    assert _code(two_factor.two_factor_disable, actor=company.owner, code="123456") == "two_factor_not_enabled"


def test_an_administrator_resets_a_lost_device_and_only_administrators_may(company, web):
    _enrol(company.tenant, company.owner)
    connection.set_tenant(company.tenant)
    assert _code(two_factor.two_factor_reset, actor=company.supervisor, user=company.owner) == "permission_denied"
    assert _code(two_factor.security_settings_update, actor=company.supervisor,
                 require_two_factor=True) == "permission_denied"
    assert web(company.supervisor).get("/accounts/security/").status_code == 403
    page = web(company.admin).get("/accounts/security/")
    assert page.status_code == 200 and company.owner.email in page.content.decode()
    assert web(company.admin).post(f"/accounts/security/two-factor/{company.owner.pk}/reset/").status_code == 302
    connection.set_tenant(company.tenant)
    assert not TOTPDevice.objects.filter(user=company.owner).exists()


def test_the_token_endpoint_asks_for_the_code(company, tenant_client):
    device = _enrol(company.tenant, company.owner)
    client = tenant_client(company.tenant)

    def post(**body):
        return client.post(TOKEN_URL, {"email": company.owner.email, "password": PASSWORD, **body},
                           content_type="application/json")

    missing = post()
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "two_factor_code_required"
    assert "otp_code" in missing.json()["error"]["fields"]
    wrong = post(otp_code="12345x")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "two_factor_code_invalid"
    connection.set_tenant(company.tenant)
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code slows the next try; this test need not wait
    ok = post(otp_code=totp_code(device, steps_ahead=1))
    assert ok.status_code == 200
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {ok.json()['token']}").status_code == 200


def test_the_token_endpoint_refuses_required_users_without_a_device(company, tenant_client):
    _require(company)
    response = tenant_client(company.tenant).post(
        TOKEN_URL, {"email": company.supervisor.email, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "two_factor_enrolment_required"
    salesperson = tenant_client(company.tenant).post(
        TOKEN_URL, {"email": company.owner.email, "password": PASSWORD}, content_type="application/json")
    assert salesperson.status_code == 200


# --- approvals under the requirement ---------------------------------------------------------------

@pytest.fixture
def pending_batch(company, new_customer):
    """A destruction list waiting for its first step (supervisor) — a file filed six years ago."""
    from dangan.archives.models import Customer
    from dangan.archives.services import lifecycle
    from dangan.governance.services import disposition
    from dangan.governance.services.retention import retention_recompute

    connection.set_tenant(company.tenant)
    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    Customer.objects.filter(pk=customer.pk).update(filed_at=timezone.now() - dt.timedelta(days=366 * 6))
    retention_recompute(customer=Customer.objects.get(pk=customer.pk))
    assert disposition.disposition_sweep()["added"] == 1
    from dangan.governance.models import DispositionBatch

    return disposition.disposition_batch_submit(actor=company.custodian, batch=DispositionBatch.objects.get())


def test_approvals_need_a_verified_session_when_the_company_requires_it(company, pending_batch, tenant_client,
                                                                         sign_in):
    from rest_framework.authtoken.models import Token

    from dangan.governance.services import disposition

    url = f"/api/v1/governance/disposition/batches/{pending_batch.pk}/approve/"
    device = _enrol(company.tenant, company.supervisor)
    _require(company)
    # The service itself refuses an actor that did not come through a verified session.
    connection.set_tenant(company.tenant)
    assert _code(disposition.disposition_batch_approve, actor=company.supervisor, batch=pending_batch,
                 step=0) == "two_factor_required"
    # A token (even one the approver obtained with a code) is no verified session.
    token = Token.objects.create(user=company.supervisor).key
    by_token = tenant_client(company.tenant).post(url, {"step": 0}, content_type="application/json",
                                                  HTTP_AUTHORIZATION=f"Token {token}")
    assert by_token.status_code == 403 and by_token.json()["error"]["code"] == "two_factor_required"
    # The approver's own web session, verified with a code: allowed.
    client, response = sign_in(company.tenant, company.supervisor.email, PASSWORD)
    assert response["Location"].startswith(VERIFY_URL)
    client.post(VERIFY_URL, {"code": totp_code(device, steps_ahead=1)})
    approved = client.post(url, {"step": 0}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["current_step"] == 1


def test_without_the_requirement_approvals_work_as_before(company, pending_batch):
    from dangan.governance.services import disposition

    connection.set_tenant(company.tenant)
    batch = disposition.disposition_batch_approve(actor=company.supervisor, batch=pending_batch, step=0)
    assert batch.current_step == 1


def test_approvals_on_another_company_are_out_of_reach(company, pending_batch, make_tenant, sign_in):
    connection.set_schema_to_public()
    other = make_tenant(company_name="另一家公司")
    url = f"/api/v1/governance/disposition/batches/{pending_batch.pk}/approve/"
    # The other company's administrator, on their own host: no such list there.
    client, _ = sign_in(other, other.admin_email, other.admin_password)
    assert client.post(url, {"step": 0}, content_type="application/json").status_code == 404
    # Their session presented on this company's host: not signed in here.
    stranger = sign_in(company.tenant, "nobody@x.cn", "x")[0]
    stranger.cookies = client.cookies
    response = stranger.post(url, {"step": 0}, content_type="application/json")
    assert response.status_code in (401, 403) and response.json()["error"]["code"] == "not_authenticated"
    connection.set_tenant(company.tenant)
    pending_batch.refresh_from_db()
    assert pending_batch.current_step == 0


def test_the_pages_carry_no_inline_script_or_style(company, web, sign_in):
    from tests.web.test_security import _no_inline_code

    admin = web(company.admin)
    for url in [SETUP_URL, "/accounts/security/"]:
        response = admin.get(url)
        assert response.status_code == 200, url
        _no_inline_code(response.content.decode(), url)
    _enrol(company.tenant, company.owner)
    client, _ = sign_in(company.tenant, company.owner.email, PASSWORD)
    _no_inline_code(client.get(VERIFY_URL).content.decode(), VERIFY_URL)


def test_every_approval_service_needs_a_verified_session_under_the_requirement(company, new_customer):
    """Reviews, change requests, loans and classified-file access requests are approvals too."""
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User
    from dangan.archives.services import lifecycle
    from dangan.governance.models import ConfidentialityLevel
    from dangan.governance.services import borrowing, confidentiality

    connection.set_tenant(company.tenant)
    deputy = User.objects.create_user(email="fu@x.cn", password=PASSWORD, full_name="冯副总")
    deputy.groups.set(Group.objects.filter(name=roles.DEPUTY_MANAGER))
    submitted = new_customer(name="待审客户")
    lifecycle.customer_submit(actor=company.owner, customer=submitted)
    loan = borrowing.loan_request(actor=company.owner, customer=submitted, medium="electronic", purpose="核对",
                                  due_date=timezone.localdate() + dt.timedelta(days=3))
    secret = confidentiality.customer_confidentiality_set(
        actor=company.custodian, customer=new_customer(name="机密客户"),
        level=ConfidentialityLevel.objects.get(code="secret"), reason="秘密")
    request = confidentiality.access_request_create(actor=company.owner, customer=secret, reason="核对", days=1)
    _require(company)

    assert _code(lifecycle.customer_approve, actor=company.supervisor, customer=submitted) == "two_factor_required"
    assert _code(lifecycle.customer_return, actor=company.supervisor, customer=submitted,
                 reason="补充") == "two_factor_required"
    assert _code(borrowing.loan_approve, actor=company.supervisor, loan=loan) == "two_factor_required"
    assert _code(confidentiality.access_request_approve, actor=deputy, request=request) == "two_factor_required"

    _require(company, on=False)
    assert lifecycle.customer_approve(actor=company.supervisor, customer=submitted).state == "approved"
    assert borrowing.loan_approve(actor=company.supervisor, loan=loan).state == "approved"
    assert confidentiality.access_request_approve(actor=deputy, request=request).state == "approved"
