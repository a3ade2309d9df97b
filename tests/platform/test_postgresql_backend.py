"""The database backend sends `SET search_path` only when the server's path is not already the
one wanted, and never trusts a path the server could have dropped."""
from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dangan.tenants.middleware import tenant_lookups

from .connections import other_connection


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


# ------------------------------------------------------------------------------------------
# prepared_cursor: statements planned once per connection


def _prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _departments_named(code: str) -> list[str]:
    with connection.prepared_cursor() as cursor:
        cursor.execute("SELECT name FROM archives_department WHERE code = %s ORDER BY id", [code])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_prepared_cursor_prepares_its_statement_on_the_server(make_tenant):
    connection.set_tenant(make_tenant())
    first = _departments_named("sales1")
    assert first  # seeded at signup
    prepared = [sql for sql in _prepared_statements() if "archives_department" in sql]
    assert prepared == ['SELECT name FROM archives_department WHERE code = $1 ORDER BY id']
    assert _departments_named("sales1") == first  # the prepared statement, run again
    assert [sql for sql in _prepared_statements() if "archives_department" in sql] == prepared


@pytest.mark.django_db
def test_a_statement_prepared_in_one_company_reads_the_other_companys_rows_there(make_tenant):
    from django_tenants.utils import schema_context

    from dangan.archives.models import Department

    first, second = make_tenant(), make_tenant()
    with schema_context(second.schema_name):
        Department.objects.filter(code="sales1").update(name="第二家公司的销售一部")
    for _ in range(3):  # past the custom plans PostgreSQL makes for a statement's first runs
        connection.set_tenant(first)
        assert _departments_named("sales1") != ["第二家公司的销售一部"]
        connection.set_tenant(second)
        assert _departments_named("sales1") == ["第二家公司的销售一部"]
    assert len([sql for sql in _prepared_statements() if "archives_department" in sql]) == 1


@pytest.mark.django_db
def test_prepared_statements_are_seen_by_query_capture(make_tenant):
    connection.set_tenant(make_tenant())
    _departments_named("sales1")
    with CaptureQueriesContext(connection) as captured:
        _departments_named("sales2")
    assert [query["sql"] for query in captured.captured_queries] == [
        "SELECT name FROM archives_department WHERE code = 'sales2' ORDER BY id"]


@pytest.mark.django_db
def test_a_statement_without_parameters_is_not_prepared(make_tenant):
    connection.set_tenant(make_tenant())
    with connection.prepared_cursor() as cursor:
        cursor.execute("SELECT count(*) FROM archives_department")
        assert cursor.fetchone()[0] > 0
    assert not [sql for sql in _prepared_statements() if "archives_department" in sql]


@pytest.mark.django_db
def test_with_prepared_statements_off_the_cursor_prepares_nothing(make_tenant, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    connection.set_tenant(make_tenant())
    assert _departments_named("sales1") and _departments_named("sales1")
    assert not [sql for sql in _prepared_statements() if "archives_department" in sql]


@pytest.mark.django_db
def test_a_prepared_statement_survives_a_rolled_back_block(make_tenant):
    connection.set_tenant(make_tenant())
    expected = _departments_named("sales1")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _departments_named("sales1") == expected
        raise RuntimeError("roll it back")
    assert _departments_named("sales1") == expected


# ------------------------------------------------------------------------------------------
# The health check, skipped on a connection used within the last second


def _request_starts() -> None:
    connection.health_check_done = False  # what Django's request_started handler does


def _count_health_checks(monkeypatch) -> list:
    checks = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or real())
    return checks


@pytest.mark.django_db
def test_a_connection_used_a_moment_ago_is_not_checked_again(monkeypatch):
    _server_search_path()
    checks = _count_health_checks(monkeypatch)
    _request_starts()
    _server_search_path()
    assert checks == [] and connection.health_check_done


@pytest.mark.django_db
def test_a_connection_idle_for_a_second_is_checked(monkeypatch):
    _server_search_path()
    checks = _count_health_checks(monkeypatch)
    connection.cursor_opened_at -= connection.HEALTH_CHECK_AFTER_IDLE_SECONDS
    _request_starts()
    _server_search_path()
    assert checks == [1]
    _request_starts()
    _server_search_path()  # used just now: not again
    assert checks == [1]


def _terminate_this_connection() -> None:
    """End this connection's server process from another connection, as a server restart would."""
    pid = connection.connection.info.backend_pid
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_dead_connection_idle_for_a_second_is_replaced_before_the_request_uses_it(committed):
    before = _backend_pid()
    _terminate_this_connection()
    connection.cursor_opened_at -= connection.HEALTH_CHECK_AFTER_IDLE_SECONDS
    _request_starts()
    assert _backend_pid() != before  # the health check found it dead and connected anew


def test_a_connection_dead_within_the_second_fails_once_and_is_replaced_when_the_request_ends(committed):
    from django.db import OperationalError

    before = _backend_pid()
    _terminate_this_connection()
    _request_starts()
    with pytest.raises(OperationalError):
        _backend_pid()  # the price of skipping the check: this request's statement fails
    connection.close_if_unusable_or_obsolete()  # Django's request_finished handler
    assert connection.connection is None
    _request_starts()
    assert _backend_pid() != before
