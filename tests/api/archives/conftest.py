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


class Stranger:
    """Another company's administrator. Their requests leave the connection in their schema,
    so it is put back into this company's after each one (the test's own ORM calls and logins
    happen there)."""

    def __init__(self, client, tenant):
        self.client, self.tenant = client, tenant

    def __getattr__(self, name):
        method = getattr(self.client, name)

        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            finally:
                connection.set_tenant(self.tenant)

        return call


@pytest.fixture
def company_stranger(company, other_company):
    return Stranger(other_company, company.tenant)
