"""`Authorization: Api-Key …` / `X-API-Key`: valid only on its own company's host, only while
neither revoked nor expired, and only for what its scopes allow."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from dangan.integrations import services
from dangan.integrations.models import ApiKey

from .conftest import admin_of, issue_key, token_for

ME = "/api/v1/me/"


def _code(response) -> str:
    return response.json()["error"]["code"]


def test_key_authenticates_as_its_creator_on_its_company_host(two_tenants, tenant_client):
    a, _ = two_tenants
    _, plaintext = issue_key(a, scopes=["read"])
    response = tenant_client(a).get(ME, HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert response.status_code == 200
    assert response.json()["email"] == a.admin_email and response.json()["schema"] == a.schema_name
    assert tenant_client(a).get(ME, HTTP_X_API_KEY=plaintext).status_code == 200
    assert tenant_client(a).get(ME, HTTP_AUTHORIZATION=f"api-key   {plaintext}").status_code == 200


def test_key_of_a_is_unknown_on_b_host_and_on_the_public_host(two_tenants, tenant_client, public_client):
    a, b = two_tenants
    _, plaintext = issue_key(a)
    on_b = tenant_client(b).get(ME, HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert on_b.status_code == 401 and _code(on_b) == "api_key_invalid"
    assert set(on_b.json()["error"]["message"]) == {"zh-hans", "en"}
    assert a.admin_email not in on_b.content.decode()
    # B's own keys (with the same row ids as A's) do not make A's key known there.
    issue_key(b)
    assert tenant_client(b).get(ME, HTTP_X_API_KEY=plaintext).status_code == 401
    on_public = public_client.get("/api/v1/platform/tenants/", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert on_public.status_code == 401 and _code(on_public) == "api_key_invalid"


@pytest.mark.parametrize("presented", ["", "dgn_", "dgn_abcdefgh_", "nonsense", "dgn_abcdefgh_wrongsecret",
                                       "tok_abcdefgh_secret"])
def test_malformed_or_unknown_keys_are_refused(make_tenant, tenant_client, presented):
    tenant = make_tenant()
    response = tenant_client(tenant).get(ME, HTTP_X_API_KEY=presented)
    assert response.status_code == 401 and _code(response) == "api_key_invalid"


def test_right_prefix_with_wrong_secret_is_refused(make_tenant, tenant_client):
    tenant = make_tenant()
    api_key, plaintext = issue_key(tenant)
    forged = f"dgn_{api_key.prefix}_{'A' * 43}"
    assert forged != plaintext
    response = tenant_client(tenant).get(ME, HTTP_AUTHORIZATION=f"Api-Key {forged}")
    assert response.status_code == 401 and _code(response) == "api_key_invalid"


def test_revoked_key_is_refused_with_its_own_code(make_tenant, tenant_client):
    tenant = make_tenant()
    api_key, plaintext = issue_key(tenant)
    client = tenant_client(tenant)
    assert client.get(ME, HTTP_X_API_KEY=plaintext).status_code == 200
    with schema_context(tenant.schema_name):
        services.api_key_revoke(actor=admin_of(tenant), api_key=api_key)
    response = client.get(ME, HTTP_X_API_KEY=plaintext)
    assert response.status_code == 401 and _code(response) == "api_key_revoked"
    assert "吊销" in response.json()["error"]["message"]["zh-hans"]


def test_expired_key_is_refused_with_its_own_code(make_tenant, tenant_client):
    tenant = make_tenant()
    api_key, plaintext = issue_key(tenant, expires_at=timezone.now() + timedelta(hours=1))
    client = tenant_client(tenant)
    assert client.get(ME, HTTP_X_API_KEY=plaintext).status_code == 200
    with schema_context(tenant.schema_name):
        ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(ME, HTTP_X_API_KEY=plaintext)
    assert response.status_code == 401 and _code(response) == "api_key_expired"


def test_key_of_a_deactivated_user_is_refused(make_tenant, tenant_client):
    tenant = make_tenant()
    _, plaintext = issue_key(tenant)
    with schema_context(tenant.schema_name):
        admin = admin_of(tenant)
        admin.is_active = False
        admin.save()
    response = tenant_client(tenant).get(ME, HTTP_X_API_KEY=plaintext)
    assert response.status_code == 401 and _code(response) == "api_key_invalid"


def test_read_key_is_refused_on_writes_and_write_key_is_not(two_tenants, tenant_client):
    a, _ = two_tenants
    read_key, read_plain = issue_key(a, scopes=["read"])
    _, write_plain = issue_key(a, scopes=["write"])
    client = tenant_client(a)
    url = f"/api/v1/api-keys/{read_key.pk}/revoke/"
    refused = client.post(url, HTTP_X_API_KEY=read_plain)
    assert refused.status_code == 403 and _code(refused) == "api_key_scope"
    with schema_context(a.schema_name):
        assert ApiKey.objects.get(pk=read_key.pk).revoked_at is None
    assert client.get(f"/api/v1/api-keys/{read_key.pk}/", HTTP_X_API_KEY=read_plain).status_code == 200
    assert client.post(url, HTTP_X_API_KEY=write_plain).status_code == 200


def test_scope_holds_even_where_a_view_replaces_the_default_permissions(make_tenant):
    """ApiKeyAuthentication refuses a read key's write itself, so a view whose permission_classes
    omit ApiKeyScopePermission cannot turn the key into a writing one."""
    from dangan.integrations.authentication import ApiKeyAuthentication
    from dangan.integrations.permissions import ApiKeyScopePermission
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    tenant = make_tenant()
    _, plaintext = issue_key(tenant, scopes=["read"])

    class Open(APIView):
        authentication_classes = [ApiKeyAuthentication]
        permission_classes: list = []

        def post(self, request):
            raise AssertionError("a read-only key reached a write handler")

    assert ApiKeyScopePermission not in Open.permission_classes
    request = APIRequestFactory().post("/x/", HTTP_X_API_KEY=plaintext)
    with schema_context(tenant.schema_name):
        response = Open.as_view()(request)
    assert response.status_code == 403 and response.data["error"]["code"] == "api_key_scope"


def test_last_used_is_recorded_cheaply(make_tenant, tenant_client):
    tenant = make_tenant()
    api_key, plaintext = issue_key(tenant)
    assert api_key.last_used_at is None
    tenant_client(tenant).get(ME, HTTP_X_API_KEY=plaintext)
    with schema_context(tenant.schema_name):
        first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None
    tenant_client(tenant).get(ME, HTTP_X_API_KEY=plaintext)
    with schema_context(tenant.schema_name):
        assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first  # within the minute: no write


def test_other_credentials_still_work_and_anonymous_answer_is_unchanged(make_tenant, tenant_client):
    tenant = make_tenant()
    client = tenant_client(tenant)
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {token_for(tenant)}").status_code == 200
    anonymous = client.get(ME)
    assert anonymous.status_code == 403 and _code(anonymous) == "not_authenticated"
    client.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    assert client.get(ME).status_code == 200


def test_a_token_works_on_its_own_company_only_and_stops_the_moment_it_is_revoked(two_tenants, tenant_client):
    # The token lookup is one precompiled statement (integrations/authentication.py), but
    # nothing about the answer is kept: revocation and deactivation count on the next request.
    from rest_framework.authtoken.models import Token

    a, b = two_tenants
    token = token_for(a)
    response = tenant_client(a).get(ME, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["email"] == a.admin_email
    assert tenant_client(b).get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code in (401, 403)
    with schema_context(a.schema_name):
        admin = admin_of(a)
        admin.is_active = False
        admin.save(update_fields=["is_active"])
    assert tenant_client(a).get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code in (401, 403)
    with schema_context(a.schema_name):
        admin.is_active = True
        admin.save(update_fields=["is_active"])
    assert tenant_client(a).get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    with schema_context(a.schema_name):
        Token.objects.filter(key=token).delete()
    assert tenant_client(a).get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code in (401, 403)
