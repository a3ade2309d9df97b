"""The database backend sends `SET search_path` only when the server's path is not already the
one wanted, and never trusts a path the server could have dropped."""
from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dangan.tenants.middleware import tenant_lookups


def _server_search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        return cursor.fetchone()[0]


def _sets(captured) -> int:
    return sum(1 for query in captured.captured_queries if query["sql"].startswith("SET search_path"))


def _login(tenant, tenant_client):
    client = tenant_client(tenant)
    client.post("/accounts/login/", {"username": tenant.admin_email, "password": tenant.admin_password})
    return client


@pytest.mark.django_db
def test_a_second_request_to_the_same_company_sends_no_set(make_tenant, tenant_client):
    tenant_lookups.clear()
    tenant = make_tenant()
    client = _login(tenant, tenant_client)
    client.get("/api/v1/me/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["email"] == tenant.admin_email
    assert _sets(captured) == 0
    assert len(captured.captured_queries) >= 2  # the session and the user, read without it
    assert _server_search_path().startswith(tenant.schema_name)


@pytest.mark.django_db
def test_alternating_companies_each_read_their_own_schema(make_tenant, tenant_client):
    tenant_lookups.clear()
    first, second = make_tenant(), make_tenant()
    clients = [(_login(tenant, tenant_client), tenant) for tenant in (first, second)]
    for _ in range(3):
        for client, tenant in clients:
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/api/v1/me/")
            assert response.status_code == 200 and response.json()["email"] == tenant.admin_email
            assert _sets(captured) == 1  # the other company's path was on the server


@pytest.mark.django_db
def test_switching_back_to_the_path_already_set_sends_nothing(make_tenant):
    tenant = make_tenant()
    connection.set_tenant(tenant)
    _server_search_path()
    connection.set_schema_to_public()  # as the tenant middleware does first on every request
    connection.set_tenant(tenant)
    with CaptureQueriesContext(connection) as captured:
        path = _server_search_path()
    assert _sets(captured) == 0 and path.startswith(tenant.schema_name)


def _set_again_after_rollback(first, second) -> None:
    """On `first`'s path, roll back a block that moved the server to `second`'s: the server is
    back on `first`'s path, so the next statement on `second` must be preceded by a SET."""
    connection.set_tenant(first)
    assert _server_search_path().startswith(first.schema_name)
    with CaptureQueriesContext(connection) as captured:
        with pytest.raises(RuntimeError), transaction.atomic():
            connection.set_tenant(second)
            assert _server_search_path().startswith(second.schema_name)
            raise RuntimeError("roll it back")
        path = _server_search_path()
    assert path.startswith(second.schema_name), path
    statements = [query["sql"] for query in captured.captured_queries]
    undone = next(n for n, sql in enumerate(statements) if sql.startswith("ROLLBACK"))
    assert any(sql.startswith("SET search_path") for sql in statements[undone:])


@pytest.mark.django_db
def test_a_set_undone_by_a_savepoint_rollback_is_sent_again(make_tenant):
    _set_again_after_rollback(make_tenant(), make_tenant())  # the block is a savepoint in the test's transaction


def test_a_set_undone_by_a_rollback_is_sent_again(committed, signup_data):
    from dangan.tenants.services import tenant_signup

    first, second = tenant_signup(**signup_data()), tenant_signup(**signup_data())
    try:
        _set_again_after_rollback(first, second)  # autocommit outside: the block is a transaction
    finally:
        connection.set_schema_to_public()


@pytest.mark.django_db
def test_a_closed_connection_sets_the_path_again(make_tenant):
    tenant = make_tenant()
    connection.set_tenant(tenant)
    _server_search_path()
    assert connection.server_search_path == [tenant.schema_name, "public"]
    connection.close()
    assert connection.server_search_path is None
