"""Reads of the staff console: companies with their plan and live figures, deleted companies.

The usage snapshot (TenantUsage, refreshed hourly by `tenants.record_usage`) holds users,
object-store bytes and API calls. Staff deciding whether to suspend a company want today's
figures, and customers and documents are not in the snapshot at all, so the console reads them
from the companies' own schemas, a UNION ALL query per few companies (live_figures). Storage
is the documents app's quota counter (documents.StorageUsage) — the very figure uploads are
checked against, so "used vs quota" here is what the company will meet on its next upload.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, IntegerField, Q, QuerySet
from django.db.models.functions import Coalesce
from django_tenants.utils import get_public_schema_name, quote_schema_name, schema_context

from dangan.tenants import selectors as tenant_selectors
from dangan.tenants.models import PlatformEvent, Plan, Tenant

MB = 1024 * 1024
# Companies counted per query (live_figures says why not all of a page at once): five keeps a
# query's locks near 240 relations and a page of 25 at five round trips.
SCHEMAS_PER_QUERY = 5


@dataclass(frozen=True)
class Figures:
    """A company's figures read now from its schema (None: its schema could not be read)."""

    users: int | None = None
    customers: int | None = None
    documents: int | None = None
    storage_bytes: int | None = None
    api_calls_today: int | None = None


def staff_tenants(*, status: str = "", search: str = "") -> QuerySet[Tenant]:
    """Companies (never the platform's own row), newest first, with the usage snapshot."""
    tenants = tenant_selectors.tenant_list_with_usage().annotate(
        usage_api_calls_today=Coalesce("usage__api_calls_today", 0, output_field=IntegerField()))
    if status:
        tenants = tenants.filter(status=status)
    search = search.strip()
    if search:
        tenants = tenants.filter(Q(name__icontains=search) | Q(slug__icontains=search.lower()))
    return tenants


def staff_tenant(slug: str) -> Tenant | None:
    return staff_tenants().filter(slug=slug).first()


def deleted_tenants(*, search: str = "") -> QuerySet[PlatformEvent]:
    """Companies deleted: their deletion record, which survives them. `created_at` is the
    deletion time, so the console's keyset pager (ordered by created_at, id) pages them too."""
    events = PlatformEvent.objects.filter(action=PlatformEvent.Action.DELETE).annotate(created_at=F("at"))
    search = search.strip()
    if search:
        events = events.filter(Q(tenant_name__icontains=search) | Q(tenant_slug__icontains=search.lower()))
    return events


def plans() -> QuerySet[Plan]:
    """Plans, smallest first, each with how many companies are on it."""
    companies = Count("tenants", filter=~Q(tenants__schema_name=get_public_schema_name()))
    return Plan.objects.annotate(company_count=companies).order_by("max_users", "max_storage_mb", "code")


def _tables() -> dict[str, str]:
    from dangan.accounts.models import User
    from dangan.archives.models import Customer
    from dangan.documents.models import Document, StorageUsage

    return {"users": User._meta.db_table, "customers": Customer._meta.db_table,
            "documents": Document._meta.db_table, "storage": StorageUsage._meta.db_table}


def _figures_sql(schema: str, tables: dict[str, str]) -> str:
    s = quote_schema_name(schema)
    return (f"SELECT %s, (SELECT count(*) FROM {s}.{tables['users']} WHERE is_active), "
            f"(SELECT count(*) FROM {s}.{tables['customers']}), "
            f"(SELECT count(*) FROM {s}.{tables['documents']} WHERE deleted_at IS NULL), "
            f"(SELECT coalesce(max(used_bytes), 0) FROM {s}.{tables['storage']} WHERE id = 1)")


def _api_calls_today(schema: str) -> int:
    """Today's counter in the cache (integrations/usage.py). Its key carries the current schema,
    so it is read inside the company's; switching schemas issues no query by itself."""
    from dangan.integrations.usage import api_calls_today

    with schema_context(schema):
        return api_calls_today()


def live_figures(tenants) -> dict[str, Figures]:
    """schema name → Figures for the given companies, a few companies per query.

    Planning a query locks every table it names and all their indexes (48 relations per
    company here) until the transaction ends; a query per SCHEMAS_PER_QUERY companies, each in
    its own short transaction, keeps a page's share of PostgreSQL's shared lock table small
    (max_locks_per_transaction × max_connections; 6,400 entries by default). A company deleted
    between listing and counting fails its query (its schema is gone): those companies show
    their figures as unknown rather than failing the page.
    """
    schemas = [t.schema_name for t in tenants if t.schema_name != get_public_schema_name()]
    tables = _tables()
    figures: dict[str, Figures] = {}
    for start in range(0, len(schemas), SCHEMAS_PER_QUERY):
        chunk = schemas[start:start + SCHEMAS_PER_QUERY]
        query = " UNION ALL ".join(_figures_sql(schema, tables) for schema in chunk)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(query, chunk)
                rows = cursor.fetchall()
        except DatabaseError:
            continue
        for schema, users, customers, documents, storage in rows:
            figures[schema] = Figures(users=users, customers=customers, documents=documents,
                                      storage_bytes=int(storage), api_calls_today=_api_calls_today(schema))
    return figures


def quota_bytes(tenant: Tenant) -> int:
    return tenant.plan.max_storage_mb * MB


def tenant_events(slug: str) -> QuerySet[PlatformEvent]:
    return tenant_selectors.tenant_events(slug).order_by("-at", "-pk")
