import pytest
from django.contrib.auth.models import Group

from dangan.accounts import roles


@pytest.fixture
def auditor(company):
    from dangan.accounts.models import User

    user = User.objects.create_user(email="audit@x.cn", password="pw-Governance-2026", full_name="周审计")
    user.groups.set(Group.objects.filter(name=roles.AUDITOR))
    return user


@pytest.fixture
def foreign(make_tenant, tenant_client):
    """Another company with one person holding `role_names`; returns (tenant, client logged in
    on that company's host, the same person's client pointed at `host_tenant`'s host)."""
    from django.db import connection

    def make(host_tenant, *role_names):
        from dangan.accounts.models import User

        current = connection.tenant
        connection.set_schema_to_public()
        tenant = make_tenant(company_name="另一家公司")
        connection.set_tenant(tenant)
        user = User.objects.create_user(email="foreign@y.cn", password="pw-Governance-2026", full_name="外人")
        user.groups.set(Group.objects.filter(name__in=role_names))
        own = tenant_client(tenant)
        own.force_login(user)
        connection.set_tenant(current)
        # The session cookie of the other company, presented on our host.
        stranger = tenant_client(host_tenant)
        stranger.cookies = own.cookies
        return tenant, own, stranger

    return make


@pytest.fixture
def api(company, tenant_client):
    """Clients on the company host, logged in as the given person."""

    def as_user(user):
        client = tenant_client(company.tenant)
        client.force_login(user)
        return client

    return as_user
