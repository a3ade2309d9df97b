"""Fixtures for the API infrastructure: companies, their administrators' clients, API keys."""
from __future__ import annotations

import pytest
from django_tenants.utils import schema_context


def admin_of(tenant):
    from dangan.accounts.models import User

    with schema_context(tenant.schema_name):
        return User.objects.get(email=tenant.admin_email)


def issue_key(tenant, *, scopes=("read", "write"), name="集成", expires_at=None, actor=None) -> tuple[object, str]:
    """An API key of `tenant`, made by the real service; returns (ApiKey, plaintext)."""
    from dangan.integrations import services

    with schema_context(tenant.schema_name):
        return services.api_key_create(actor=actor or admin_of(tenant), name=name, scopes=list(scopes),
                                       expires_at=expires_at)


def token_for(tenant, user=None) -> str:
    from rest_framework.authtoken.models import Token

    with schema_context(tenant.schema_name):
        return Token.objects.get_or_create(user=user or admin_of(tenant))[0].key


@pytest.fixture
def two_tenants(make_tenant):
    return make_tenant(company_name="甲公司"), make_tenant(company_name="乙公司")


@pytest.fixture
def admin_client(tenant_client):
    """A client on the company's host, signed in as its administrator (session auth)."""

    def make(tenant):
        client = tenant_client(tenant)
        response = client.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
        assert response.status_code == 302
        return client

    return make


@pytest.fixture
def member(db):
    """An ordinary (non-administrator) user of a company: (tenant, user, password)."""
    from dangan.accounts.models import User

    def make(tenant):
        with schema_context(tenant.schema_name):
            user = User.objects.create_user(email=f"clerk@{tenant.slug}.example.com", password="Clerk-pass-2026",
                                            full_name="职员")
        return user, "Clerk-pass-2026"

    return make


@pytest.fixture
def committed_tenant(committed, signup_data):
    """A company whose rows are committed (for tests with several connections)."""
    from dangan.tenants.services import tenant_signup

    def make(**overrides):
        data = signup_data(**overrides)
        tenant = tenant_signup(**data)
        tenant.admin_password = data["admin_password"]
        return tenant

    return make
