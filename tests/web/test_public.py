"""Public pages (landing, signup) and the company sign-in page."""
from tests.web.conftest import text_of


def test_landing_and_signup_render_with_skip_link_and_labels(db, public_client):
    landing = text_of(public_client.get("/"))
    assert "客户档案，一户一档" in landing and 'href="#main"' in landing
    signup = text_of(public_client.get("/signup/"))
    for name in ("company_name", "slug", "admin_name", "admin_email", "admin_password"):
        assert f'for="id_{name}"' in signup and f'id="id_{name}"' in signup
    assert 'aria-describedby="id_slug_helptext"' in signup and 'id="id_slug_helptext"' in signup


def test_signup_errors_are_marked_on_the_fields(db, public_client, signup_data):
    response = public_client.post("/signup/", signup_data(slug="admin"))
    html = text_of(response)
    assert response.status_code == 400 and 'aria-invalid="true"' in html and 'id="id_slug_error"' in html


def test_company_login_page(make_tenant, tenant_client):
    tenant = make_tenant(company_name="登录页公司")
    html = text_of(tenant_client(tenant).get("/accounts/login/"))
    assert "登录页公司" in html and 'for="id_username"' in html and 'for="id_password"' in html


def test_login_then_dashboard(make_tenant, tenant_client):
    tenant = make_tenant()
    client = tenant_client(tenant)
    response = client.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "工作台" in text_of(client.get("/"))
