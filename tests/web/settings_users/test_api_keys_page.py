"""设置 › API 密钥: create shows the secret once, the list never again; revoke stops the key."""
import re

from django.utils import timezone

from dangan.governance.models import AuditEvent
from dangan.integrations.models import ApiKey
from tests.web.conftest import SCRIPT, text_of

KEYS = "/settings/api-keys/"


def test_a_new_key_is_shown_once_and_works_until_revoked(company, web, tenant_client):
    admin = web(company.admin)
    created = admin.post(f"{KEYS}new/", {"name": "ERP 同步", "scope": "write", "expires_on": ""})
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    secret = re.search(r'value="(dgn_[^"]+)"', text_of(created)).group(1)
    key = ApiKey.objects.get(name="ERP 同步")
    assert key.prefix in secret and sorted(key.scopes) == ["read", "write"] and key.created_by == company.admin

    listing = text_of(admin.get(KEYS))
    assert "ERP 同步" in listing and key.prefix in listing and secret not in listing and "有效" in listing

    caller = tenant_client(company.tenant)
    assert caller.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {secret}").status_code == 200
    assert admin.post(f"{KEYS}{key.pk}/revoke/").status_code == 302
    key.refresh_from_db()
    assert key.status == "revoked" and key.revoked_by == company.admin
    assert "已吊销" in text_of(admin.get(KEYS))
    assert caller.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {secret}").status_code == 401
    again = admin.post(f"{KEYS}{key.pk}/revoke/", follow=True)
    assert "已被吊销" in text_of(again)
    events = AuditEvent.objects.filter(object_type="integrations.apikey", object_id=str(key.pk)).order_by("seq")
    assert [e.action for e in events] == ["api_key.create", "api_key.revoke"]
    assert all(secret not in str(e.summary) for e in events)  # the prefix is recorded, never the secret


def test_a_read_only_key_with_an_expiry_day(company, web):
    web(company.admin).post(f"{KEYS}new/", {"name": "报表", "scope": "read", "expires_on": "2099-12-31"})
    key = ApiKey.objects.get(name="报表")
    # Valid through the whole last day, in the company's time zone.
    assert key.scopes == ["read"] and timezone.localtime(key.expires_at).isoformat().startswith("2100-01-01T00:00")


def test_refusals_show_on_the_form(company, web):
    admin = web(company.admin)
    past = admin.post(f"{KEYS}new/", {"name": "旧", "scope": "read", "expires_on": "2001-01-01"})
    assert past.status_code == 400 and past.context["form"].errors["expires_on"]
    nameless = admin.post(f"{KEYS}new/", {"name": "", "scope": "read"})
    assert nameless.status_code == 400 and nameless.context["form"].errors["name"]
    assert not ApiKey.objects.exists()


def test_key_names_with_markup_render_as_text(company, web):
    admin = web(company.admin)
    admin.post(f"{KEYS}new/", {"name": SCRIPT, "scope": "read"})
    html = text_of(admin.get(KEYS))
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_only_administrators_and_never_another_company(company, web, stranger):
    from dangan.integrations.services import api_key_create

    key, _ = api_key_create(actor=company.admin, name="已有", scopes=["read"])
    supervisor = web(company.supervisor)
    assert supervisor.get(KEYS).status_code == 403
    assert supervisor.post(f"{KEYS}new/", {"name": "x", "scope": "write"}).status_code == 403
    assert supervisor.post(f"{KEYS}{key.pk}/revoke/").status_code == 403
    assert stranger.get(KEYS).status_code == 302
    stranger.post(f"{KEYS}{key.pk}/revoke/")
    stranger.post(f"{KEYS}new/", {"name": "间谍", "scope": "write"})
    from django.db import connection

    connection.set_tenant(company.tenant)
    key.refresh_from_db()
    assert key.revoked_at is None and list(ApiKey.objects.values_list("name", flat=True)) == ["已有"]
