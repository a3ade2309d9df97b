import pytest
from django.db import connection


@pytest.fixture
def api(company, tenant_client):
    """Clients on the company host, logged in as each person of the `company` fixture."""

    def as_user(user):
        client = tenant_client(company.tenant)
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def other_company(make_tenant, tenant_client):
    """A second company whose administrator tries to reach the first company's data."""
    current = connection.tenant
    connection.set_schema_to_public()
    tenant = make_tenant(company_name="另一家公司")
    client = tenant_client(tenant)
    client.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    connection.set_tenant(current)
    return client
