"""Refuse every request to a suspended company's host, for the web and the API alike."""
from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

import structlog

from dangan.platform import errors
from dangan.platform.errors import ApplicationError


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
