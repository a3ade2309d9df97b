"""django-tenants' backend, minus one statement per request.

django-tenants forgets the search_path on every `set_tenant`, and its middleware calls
`set_schema_to_public()` and then `set_tenant(company)` on every request, so a persistent
connection (CONN_MAX_AGE) sent `SET search_path = "t_…","public"` again on each request to the
same company: one of the five statements of a list request, with its round trip.

Here the path last set on the server is remembered, and the SET is skipped when the path wanted
is that one. It is forgotten whenever the server could have dropped it — ROLLBACK, ROLLBACK TO
SAVEPOINT (a SET is transactional), a SET that failed, a closed connection — so it is issued
again exactly where django-tenants would issue it. SET LOCAL is never used for the path.
"""
from __future__ import annotations

from django.utils.asyncio import async_unsafe
from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import get_limit_set_calls


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        self.server_search_path: list[str] | None = None  # as last set on this connection's session
        super().__init__(*args, **kwargs)

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

    def close(self):
        self.server_search_path = None
        super().close()

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
