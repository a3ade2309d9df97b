"""Two companies whose rows have identical primary keys never see each other."""
import pytest
from django_tenants.utils import schema_context


@pytest.fixture
def two_tenants(make_tenant):
    a = make_tenant(company_name="甲公司")
    b = make_tenant(company_name="乙公司")
    from dangan.accounts.models import User

    for tenant in (a, b):
        with schema_context(tenant.schema_name):
            assert User.objects.get().pk == 1  # same primary key in both schemas
    return a, b


def _login(client, tenant, email=None, password=None):
    return client.post("/accounts/login/", {"username": email or tenant.admin_email,
                                            "password": password or tenant.admin_password})


def test_user_of_a_cannot_log_in_on_b_host(two_tenants, tenant_client):
    a, b = two_tenants
    on_b = tenant_client(b)
    response = _login(on_b, b, email=a.admin_email, password=a.admin_password)
    assert response.status_code == 200  # the form again, with an error
    assert "邮箱或密码不正确" in response.content.decode()
    assert on_b.get("/api/v1/me/").status_code == 403
    ok = _login(tenant_client(a), a)
    assert ok.status_code == 302


def test_session_cookie_of_a_does_nothing_on_b_host(two_tenants, tenant_client):
    a, b = two_tenants
    on_a = tenant_client(a)
    assert _login(on_a, a).status_code == 302
    assert on_a.get("/api/v1/me/").json()["email"] == a.admin_email
    session_id = on_a.cookies["sessionid"].value

    on_b = tenant_client(b)
    on_b.cookies["sessionid"] = session_id
    response = on_b.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"
    assert on_b.get("/").status_code == 302  # the web app sends it to B's login page


def test_b_data_never_appears_in_a_responses(two_tenants, tenant_client):
    a, b = two_tenants
    on_a = tenant_client(a)
    _login(on_a, a)
    body = on_a.get("/api/v1/me/").content.decode()
    assert a.admin_email in body and a.name in body
    assert b.admin_email not in body and b.name not in body and b.schema_name not in body
    home = on_a.get("/").content.decode()
    assert a.name in home and b.name not in home


def test_api_token_of_a_is_rejected_on_b(two_tenants, tenant_client):
    from rest_framework.authtoken.models import Token

    from dangan.accounts.models import User

    a, b = two_tenants
    with schema_context(a.schema_name):
        token = Token.objects.create(user=User.objects.get()).key
    assert tenant_client(a).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    response = tenant_client(b).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unknown_host_is_not_found(db):
    from django.test import Client

    assert Client(HTTP_HOST="nobody.localhost").get("/").status_code == 404


def test_company_login_page_is_not_on_the_public_host(db, public_client):
    assert public_client.get("/accounts/login/").status_code == 404
