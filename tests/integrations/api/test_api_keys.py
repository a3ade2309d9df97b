"""The API key endpoints (api/integrations/): administrators of the company only, never across companies."""
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from dangan.integrations.models import ApiKey

from ..conftest import issue_key

LIST = "/api/v1/api-keys/"
CREATE = "/api/v1/api-keys/create/"


def _code(response) -> str:
    return response.json()["error"]["code"]


def _count(tenant) -> int:
    with schema_context(tenant.schema_name):
        return ApiKey.objects.count()


def test_admin_creates_a_key_sees_it_once_and_it_works(two_tenants, admin_client, tenant_client):
    a, b = two_tenants
    client = admin_client(a)
    response = client.post(CREATE, {"name": "ERP 同步", "scopes": ["write"]}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith(f"dgn_{body['prefix']}_") and body["scopes"] == ["read", "write"]
    assert body["created_by"] == a.admin_email and body["status"] == "active"
    listed = client.get(LIST).json()["results"]
    assert [row["prefix"] for row in listed] == [body["prefix"]]
    assert "key" not in listed[0] and body["key"] not in client.get(LIST).content.decode()
    assert tenant_client(a).get("/api/v1/me/", HTTP_X_API_KEY=body["key"]).status_code == 200
    # Company B sees none of A's keys, and A's key opens nothing on B's host.
    assert admin_client(b).get(LIST).json()["results"] == []
    assert tenant_client(b).get(LIST, HTTP_X_API_KEY=body["key"]).status_code == 401
    assert _count(b) == 0


def test_create_validates_input_per_field(make_tenant, admin_client):
    client = admin_client(make_tenant())
    response = client.post(CREATE, {"name": "", "scopes": ["sudo"]}, content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"name", "scopes.0"}
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.post(CREATE, {"name": "x", "scopes": ["read"], "expires_at": past},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["expires_at"][0]["code"] == "api_key_expiry_past"


def test_non_admin_cannot_list_create_show_or_revoke(two_tenants, member, tenant_client):
    a, _ = two_tenants
    api_key, _ = issue_key(a)
    clerk, password = member(a)
    client = tenant_client(a)
    client.post("/accounts/login/", {"username": clerk.email, "password": password})
    assert client.get("/api/v1/me/").status_code == 200  # signed in, just not an administrator
    for response in (client.get(LIST), client.get(f"{LIST}{api_key.pk}/"),
                     client.post(CREATE, {"name": "x", "scopes": ["read"]}, content_type="application/json"),
                     client.post(f"{LIST}{api_key.pk}/revoke/")):
        assert response.status_code == 403 and _code(response) == "permission_denied"
    assert _count(a) == 1


def test_anonymous_and_other_company_admins_are_refused(two_tenants, admin_client, tenant_client):
    a, b = two_tenants
    api_key, _ = issue_key(a)
    assert tenant_client(a).get(LIST).status_code == 403
    on_b = admin_client(b)
    assert on_b.get(f"{LIST}{api_key.pk}/").status_code == 404
    assert on_b.post(f"{LIST}{api_key.pk}/revoke/").status_code == 404
    with schema_context(a.schema_name):
        assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None


def test_a_key_cannot_mint_keys(make_tenant, tenant_client):
    tenant = make_tenant()
    _, plaintext = issue_key(tenant, scopes=["write"])
    response = tenant_client(tenant).post(CREATE, {"name": "x", "scopes": ["write"]},
                                          content_type="application/json", HTTP_X_API_KEY=plaintext)
    assert response.status_code == 403 and _code(response) == "api_key_not_allowed"
    assert _count(tenant) == 1


def test_revoke_through_the_api_and_the_key_stops_working(two_tenants, admin_client, tenant_client):
    a, b = two_tenants
    api_key, plaintext = issue_key(a)
    client = admin_client(a)
    response = client.post(f"{LIST}{api_key.pk}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == "revoked" and response.json()["version"] == 2
    again = client.post(f"{LIST}{api_key.pk}/revoke/")
    assert again.status_code == 409 and _code(again) == "api_key_already_revoked"
    assert tenant_client(a).get("/api/v1/me/", HTTP_X_API_KEY=plaintext).json()["error"]["code"] == "api_key_revoked"
    assert client.get(LIST, {"status": "revoked"}).json()["results"][0]["id"] == api_key.pk
    assert client.get(LIST, {"status": "active"}).json()["results"] == []


def test_list_filters_by_status_and_pages_with_a_cursor(make_tenant, admin_client, monkeypatch):
    tenant = make_tenant()
    for index in range(3):
        issue_key(tenant, name=f"k{index}")
    expiring, _ = issue_key(tenant, name="expiring", expires_at=timezone.now() + timedelta(hours=1))
    with schema_context(tenant.schema_name):
        ApiKey.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = admin_client(tenant)
    assert [r["name"] for r in client.get(LIST, {"status": "expired"}).json()["results"]] == ["expiring"]
    assert len(client.get(LIST, {"status": "active"}).json()["results"]) == 3
    bad = client.get(LIST, {"status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]

    from dangan.api.integrations.views import ApiKeyListApi

    monkeypatch.setattr(ApiKeyListApi.Pagination, "page_size", 3)
    first = client.get(LIST).json()
    assert len(first["results"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    names = [r["name"] for r in first["results"] + second["results"]]
    assert sorted(names) == ["expiring", "k0", "k1", "k2"]


def test_openapi_documents_the_endpoints_and_headers(make_tenant, admin_client):
    schema = admin_client(make_tenant()).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    doc = schema.json()
    create = doc["paths"]["/api/v1/api-keys/create/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    revoke = doc["paths"]["/api/v1/api-keys/{id}/revoke/"]["post"]
    assert {"Idempotency-Key", "If-Match"} <= {p["name"] for p in revoke["parameters"]}
    assert {"apiKeyAuth", "apiKeyHeader"} <= set(doc["components"]["securitySchemes"])
