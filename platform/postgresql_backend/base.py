"""django-tenants' backend, minus one statement per request.

django-tenants forgets the search_path on every `set_tenant`, and its middleware calls
`set_schema_to_public()` and then `set_tenant(company)` on every request, so a persistent
connection (CONN_MAX_AGE) sent `SET search_path = "t_…","public"` again on each request to the
same company: one of the five statements of a list request, with its round trip.

Here the path last set on the server is remembered, and the SET is skipped when the path wanted
is that one. It is forgotten whenever the server could have dropped it — ROLLBACK, ROLLBACK TO
SAVEPOINT (a SET is transactional), a SET that failed, a closed connection — so it is issued
again exactly where django-tenants would issue it. SET LOCAL is never used for the path.

A connection that opened a cursor within the last second skips Django's health check (a
`SELECT 1` round trip before the first statement of every request); see
close_if_health_check_failed.

`prepared_cursor()` is for the few statements every API request runs (the token lookup, a list
page, its query-log row): bound and prepared on the server, so PostgreSQL plans each once per
connection instead of on every run (see there).
"""
from __future__ import annotations

import time

import psycopg
from django.conf import settings
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, CursorMixin, register_tzloader
from django.utils.asyncio import async_unsafe
from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import get_limit_set_calls


class PreparingCursor(CursorMixin, psycopg.Cursor):
    """psycopg's server-side binding cursor, preparing every statement that has parameters at
    its first run (psycopg keeps up to `prepared_max` of them per connection, by SQL text and
    parameter types). Statements without parameters (django-tenants' `SET search_path`) go
    through the simple protocol as they would anyway."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and params is not None:
            prepare = True
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseOperations(tenants_base.DatabaseWrapper.ops_class):
    def last_executed_query(self, cursor, sql, params):
        # What query logging and capture show: the statement with its values in place, as for
        # Django's own cursors (a prepared one keeps only its text with $1, $2 …).
        if isinstance(cursor, PreparingCursor):
            try:
                return self.compose_sql(sql, params)
            except psycopg.errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


# psycopg prepares a statement after this many runs; Django turns that off (None) for poolers.
# This high, nothing is prepared by counting: only what prepared_cursor asks for.
_PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    ops_class = DatabaseOperations
    # A connection that opened a cursor this recently is taken to be alive without the health
    # check's round trip. PgBouncer makes the same bet for 30 s (server_check_delay).
    HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0

    def __init__(self, *args, **kwargs):
        self.server_search_path: list[str] | None = None  # as last set on this connection's session
        self.cursor_opened_at: float | None = None  # time.monotonic() of the last cursor opened
        super().__init__(*args, **kwargs)

    def close_if_health_check_failed(self):
        """Django's health check (CONN_HEALTH_CHECKS) sends `SELECT 1` before the first statement
        of every request on a persistent connection: a round trip and a statement for PostgreSQL
        on each API call. Skipped when this connection opened a cursor within the last second
        (under load: nearly always). What is given up: if the server went away in that second,
        the request's first statement fails instead of a new connection being opened first;
        Django then finds the connection unusable when the request ends (errors_occurred) and
        the next request connects afresh. A connection idle for longer is checked as before."""
        if (self.connection is not None and not self.health_check_done and self.health_check_enabled
                and self.cursor_opened_at is not None
                and time.monotonic() - self.cursor_opened_at < self.HEALTH_CHECK_AFTER_IDLE_SECONDS):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self.cursor_opened_at = time.monotonic()
        return cursor

    def _handle_search_path(self, cursor=None):
        if self._setting_search_path or (get_limit_set_calls() and self.search_path_set_schemas):
            return
        if (self.server_search_path is not None and self.schema_name
                and self._get_cursor_search_paths() == self.server_search_path):
            self.search_path_set_schemas = self.server_search_path
            return
        self.server_search_path = None
        super()._handle_search_path(cursor)
        self.server_search_path = self.search_path_set_schemas  # None when the SET failed

    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("prepare_threshold") is None and settings.DATABASE_PREPARED_STATEMENTS:
            params["prepare_threshold"] = _PREPARE_ONLY_WHEN_ASKED
        return params

    def close(self):
        self.server_search_path = None
        self.cursor_opened_at = None
        super().close()

    def prepared_cursor(self):
        """A cursor (Django's wrapper, so query capture and execute wrappers see it, on this
        company's search path) whose statements PostgreSQL prepares: planned once per connection,
        then re-used. For statements run on nearly every request whose plan does not depend on
        their values: a list page's join planned in ~0.5 ms of PostgreSQL's CPU for 0.25 ms of
        running it. Not for searches: a plan made for no value in particular can be a bad one
        for a given search text.

        A prepared statement names its tables unqualified, as every statement here does;
        PostgreSQL parses it again when the search_path has changed since its last run, so a
        statement prepared in one company's schema never reads another's. With
        DATABASE_PREPARED_STATEMENTS off (a pooler in transaction mode that cannot carry
        prepared statements) this is an ordinary cursor."""
        cursor = self.cursor()
        if settings.DATABASE_PREPARED_STATEMENTS:
            preparing = PreparingCursor(self.connection)
            # Django's own create_cursor does the same for the cursors it makes.
            loader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, preparing)
            cursor.cursor.close()
            cursor.cursor = preparing
        return cursor

    @async_unsafe
    def rollback(self):
        self.server_search_path = None
        super().rollback()

    @async_unsafe
    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self.server_search_path = None
