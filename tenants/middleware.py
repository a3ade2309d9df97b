"""Which company a request is for (by host, cached briefly), and refusing every request to a
suspended company's host, for the web and the API alike."""
from __future__ import annotations

import copy
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.http import JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

import structlog

from dangan.platform import errors
from dangan.platform.errors import ApplicationError


class TenantLookupCache:
    """host → Tenant, kept per process for `DANGAN_TENANT_CACHE_SECONDS`.

    django-tenants looks the host up in the Domain table on every request (plus a
    `SET search_path` to public for it): ~1 ms of a list request's CPU. Any save or delete of a
    Tenant or Domain in this process empties the cache at once (suspend, resume, delete,
    signup, a new domain); another process (a second gunicorn worker, the staff console's)
    sees such a change within the TTL, and a suspended company is therefore refused everywhere
    at most that many seconds later. Unknown hosts are never cached.
    """

    clock = staticmethod(time.monotonic)

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def ttl() -> float:
        return float(settings.DANGAN_TENANT_CACHE_SECONDS)

    def get(self, host: str):
        entry = self._entries.get(host)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def put(self, host: str, tenant) -> None:
        ttl = self.ttl()
        if ttl > 0:
            with self._lock:
                self._entries[host] = (self.clock() + ttl, tenant)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def invalidate(self, using=None, **_signal_kwargs) -> None:
        """At once, and again when the change commits: a request served in between (another
        thread of this process) may have cached the row as it was before the commit."""
        self.clear()
        transaction.on_commit(self.clear, using=using)


tenant_lookups = TenantLookupCache()


def _connect_invalidation() -> None:
    from django_tenants.utils import get_tenant_domain_model, get_tenant_model

    from .models import Plan

    # Plans too: the cached tenant carries its plan (see get_tenant).
    for model in (get_tenant_model(), get_tenant_domain_model(), Plan):
        post_save.connect(tenant_lookups.invalidate, sender=model,
                          dispatch_uid=f"tenant-lookups-save-{model.__name__}")
        post_delete.connect(tenant_lookups.invalidate, sender=model,
                            dispatch_uid=f"tenant-lookups-delete-{model.__name__}")


class CachedTenantMainMiddleware(TenantMainMiddleware):
    """django-tenants' TenantMainMiddleware with the host lookup cached (TenantLookupCache).

    Each request gets its own copy of the cached Tenant: whatever a request caches on it (a
    related plan, attributes) stays with that request."""

    def __init__(self, get_response=None):
        super().__init__(get_response)
        _connect_invalidation()

    def get_tenant(self, domain_model, hostname):
        tenant = tenant_lookups.get(hostname)
        if tenant is None:
            tenant = super().get_tenant(domain_model, hostname)
            # Its plan too, read once per lookup rather than by every upload's quota check
            # (documents.services._common.current_limits); a plan's change shows as the
            # tenant's does: at once in this process, within the TTL in others.
            tenant.plan  # noqa: B018 — loads and caches the related row
            tenant.plan_from_lookup = True  # current_limits trusts only a plan read this way
            tenant_lookups.put(hostname, tenant)
        return copy.copy(tenant)


class TenantStatusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        structlog.contextvars.bind_contextvars(tenant=getattr(connection, "schema_name", "-"))
        if tenant is not None and getattr(tenant, "is_suspended", False):
            error = ApplicationError(errors.TENANT_SUSPENDED)
            if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
                return JsonResponse({"error": error.as_dict()}, status=error.status)
            return render(request, "tenants/suspended.html", {"error": error, "tenant": tenant}, status=error.status)
        return self.get_response(request)
