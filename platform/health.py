"""/healthz (the process is alive) and /readyz (its dependencies answer).

Answered before tenant resolution, so probes work on any host name (a pod IP, a load
balancer's health host) and never touch a tenant schema.
"""
from __future__ import annotations

import time

from django.db import connection
from django.http import JsonResponse


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_storage() -> None:
    from dangan.documents.storage import object_store

    object_store().check()


def _check_broker() -> None:
    from dangan.platform.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "object_storage": _check_storage, "broker": _check_broker}


def readiness() -> tuple[bool, dict]:
    report = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            report[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as exc:  # a probe reports every failure, whatever its kind
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return all(item["ok"] for item in report.values()), report


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            ok, report = readiness()
            return JsonResponse({"status": "ok" if ok else "unavailable", "checks": report},
                                status=200 if ok else 503)
        return self.get_response(request)
