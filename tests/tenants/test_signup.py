"""Signup: the service, the REST endpoint and the web form, with every validation rule."""
import threading

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context, schema_exists

from dangan.platform.errors import ApplicationError
from dangan.tenants.models import Domain, PlatformEvent, Tenant
from dangan.tenants.services import tenant_signup


def _codes(exc: ApplicationError) -> dict[str, list[str]]:
    return {field: [item["code"] for item in items] for field, items in exc.fields.items()}


def test_signup_creates_schema_domain_admin_and_record(make_tenant):
    tenant = make_tenant(company_name="上海档案科技有限公司")
    from dangan.accounts.models import User

    assert tenant.name == "上海档案科技有限公司"
    assert tenant.schema_name == "t_" + tenant.slug.replace("-", "_")
    assert schema_exists(tenant.schema_name)
    assert Domain.objects.get(tenant=tenant).domain == f"{tenant.slug}.localhost"
    with schema_context(tenant.schema_name):
        admin = User.objects.get()
        assert admin.email == tenant.admin_email
        assert admin.check_password(tenant.admin_password)
        assert admin.groups.filter(name="租户管理员").exists()
    with schema_context("public"):
        assert not User.objects.filter(email=tenant.admin_email).exists()
    assert PlatformEvent.objects.filter(action="signup", tenant_slug=tenant.slug).exists()


@pytest.mark.parametrize("slug", ["www", "api", "admin", "static", "console", "public"])
def test_reserved_subdomains_are_refused(db, signup_data, slug):
    with pytest.raises(ApplicationError) as caught:
        tenant_signup(**signup_data(slug=slug))
    assert _codes(caught.value) == {"slug": ["slug_reserved"]}
    assert "保留" in caught.value.message()["zh-hans"] and "reserved" in caught.value.message()["en"]


@pytest.mark.parametrize("slug", ["ab", "1acme", "acme_co", "acme--co", "-acme", "acme-", "ACME!", "a" * 41, "测试"])
def test_invalid_subdomains_are_refused(db, signup_data, slug):
    with pytest.raises(ApplicationError) as caught:
        tenant_signup(**signup_data(slug=slug))
    assert _codes(caught.value) == {"slug": ["slug_invalid"]}


def test_uppercase_subdomain_is_normalized(make_tenant):
    tenant = make_tenant(slug="MiXed-Case-co")
    assert tenant.slug == "mixed-case-co"


def test_duplicate_subdomain_is_refused_and_nothing_is_left(make_tenant, signup_data):
    first = make_tenant()
    count = Tenant.objects.count()
    with pytest.raises(ApplicationError) as caught:
        tenant_signup(**signup_data(slug=first.slug))
    assert caught.value.code == "slug_taken" and caught.value.status == 409
    assert Tenant.objects.count() == count


@pytest.mark.parametrize("password,fragment", [
    ("short1!", "too short"),
    ("password123", "too common"),
    ("48201937561029", "entirely numeric"),
])
def test_weak_passwords_are_refused_in_both_languages(db, signup_data, password, fragment):
    with pytest.raises(ApplicationError) as caught:
        tenant_signup(**signup_data(admin_password=password))
    assert _codes(caught.value) == {"admin_password": ["password_weak"]}
    message = caught.value.fields["admin_password"][0]["message"]
    assert fragment in message["en"]
    assert message["zh-hans"].startswith("密码不够安全")


def test_password_similar_to_email_is_refused(db, signup_data):
    data = signup_data()
    data["admin_password"] = data["admin_email"].split("@")[0] + "x"
    with pytest.raises(ApplicationError) as caught:
        tenant_signup(**data)
    assert "admin_password" in caught.value.fields


def test_duplicate_admin_email_is_refused(make_tenant, signup_data):
    first = make_tenant()
    with pytest.raises(ApplicationError) as caught:
        tenant_signup(**signup_data(admin_email=first.admin_email.upper()))
    assert caught.value.code == "email_taken"


def test_every_bad_field_is_reported_at_once(db):
    with pytest.raises(ApplicationError) as caught:
        tenant_signup(company_name="", slug="x", admin_name="", admin_email="nope", admin_password="1")
    assert caught.value.code == "validation_failed"
    assert set(caught.value.fields) == {"company_name", "slug", "admin_name", "admin_email", "admin_password"}


def test_signup_api_creates_company_and_returns_login_url(db, public_client, signup_data):
    data = signup_data()
    response = public_client.post("/api/v1/signup/", data, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == data["slug"]
    assert body["login_url"].endswith(f"{data['slug']}.localhost/accounts/login/")
    assert Tenant.objects.filter(slug=data["slug"]).exists()


def test_signup_api_errors_have_one_shape(db, public_client, signup_data):
    response = public_client.post("/api/v1/signup/", signup_data(slug="www"), content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "slug_reserved"
    assert set(error["message"]) == {"zh-hans", "en"}
    assert error["fields"]["slug"][0]["code"] == "slug_reserved"


def test_signup_api_rejects_malformed_json(db, public_client):
    response = public_client.post("/api/v1/signup/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_signup_api_missing_fields_are_listed(db, public_client):
    response = public_client.post("/api/v1/signup/", {}, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert {"company_name", "slug", "admin_name", "admin_email", "admin_password"} <= set(error["fields"])


def test_signup_api_is_not_served_on_company_hosts(make_tenant, tenant_client, signup_data):
    tenant = make_tenant()
    response = tenant_client(tenant).post("/api/v1/signup/", signup_data(), content_type="application/json")
    assert response.status_code == 404


def test_web_signup_form_shows_chinese_errors_and_creates_company(db, public_client, signup_data):
    bad = public_client.post("/signup/", signup_data(slug="admin"))
    assert bad.status_code == 400
    assert "系统保留" in bad.content.decode()
    data = signup_data()
    good = public_client.post("/signup/", data)
    assert good.status_code == 201
    assert f"{data['slug']}.localhost" in good.content.decode()


def test_web_signup_form_in_english(db, public_client, signup_data):
    response = public_client.post("/signup/", signup_data(slug="admin"), HTTP_ACCEPT_LANGUAGE="en")
    assert "is reserved" in response.content.decode()


def test_concurrent_signups_for_one_subdomain_exactly_one_wins(committed, signup_data):
    slug = signup_data()["slug"]
    barrier = threading.Barrier(4)
    outcomes: list = []

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            tenant_signup(**signup_data(slug=slug, admin_email=f"racer{index}@{slug}.example.com"))
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # any other failure is a bug this test must show
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "slug_taken", "slug_taken", "slug_taken"]
    tenant = Tenant.objects.get(slug=slug)
    schema_prefix = tenant.schema_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [schema_prefix + "%"])
        assert [row[0] for row in cursor.fetchall()] == [schema_prefix]


def test_failed_signup_leaves_no_schema_behind(committed, signup_data, monkeypatch):
    from dangan.tenants import services

    def broken_seeder(tenant, admin):
        raise RuntimeError("seeding failed")

    monkeypatch.setattr(services, "_seed_tenant", broken_seeder)
    data = signup_data()
    with pytest.raises(RuntimeError):
        tenant_signup(**data)
    assert not Tenant.objects.filter(slug=data["slug"]).exists()
    assert not schema_exists("t_" + data["slug"].replace("-", "_"))
