"""What every part of the documents bench works through: the company (its admin's token, a document
type, customers), gunicorn, one HTTP client for the API and one for presigned URLs."""
from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from bench.lib import http_client, processes
from bench.lib.runner import database_url

MiB = 1024 * 1024
SEED = 20261127
WORKERS, THREADS = 2, 2  # gunicorn, sized for a 2-core machine
CLIENTS = 4


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 2)


def make_company(customers: int) -> dict:
    """The bench company on a plan with room for every upload of the run, its admin's token,
    a document type and `customers` files."""
    from django.db import connection
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from dangan.accounts.models import User
    from dangan.archives.models import Department
    from dangan.archives.services.customers import customer_create
    from dangan.documents.models import DocumentType
    from dangan.documents.storage import object_store
    from dangan.tenants.models import Plan
    from dangan.tenants.services import tenant_host, tenant_signup

    object_store().ensure_bucket()  # production settings (gunicorn) expect the bucket to exist
    plan = Plan.objects.create(code="bench-documents", name="bench", max_users=100, max_storage_mb=10_000_000,
                               max_api_calls_per_day=100_000_000)
    slug = "benchdocs"
    tenant = tenant_signup(company_name="基准档案资料有限公司", slug=slug, admin_name="基准 管理员",
                           admin_email=f"admin@{slug}.example.com", admin_password=secrets.token_urlsafe(18),
                           plan=plan)
    with schema_context(tenant.schema_name):
        admin = User.objects.get(email=tenant.admin_email)
        department = Department.objects.get(code="sales1")
        ids = [customer_create(actor=admin, category="jxs", name=f"基准客户{n:04d}药店", region="east", grade="A",
                               department=department.pk).pk for n in range(customers)]
        types = list(DocumentType.objects.order_by("pk").values_list("pk", "code", "name"))
        company = {"schema": tenant.schema_name, "host": tenant_host(slug), "token": Token.objects.create(user=admin).key,
                   "admin_id": admin.pk, "customers": ids, "types": types}
    connection.set_schema_to_public()
    return company


def start_gunicorn(port: int, *, workers: int = WORKERS, threads: int = THREADS) -> subprocess.Popen:
    from django.conf import settings

    # The bucket this process made (the test settings name their own), for production settings.
    return processes.start_gunicorn("dangan.platform.wsgi:application", port, workers=workers, threads=threads,
                                    env={"S3_BUCKET": settings.S3_BUCKET, "DATABASE_URL": database_url()},
                                    timeout=600)


def database_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


def storage_server_pids() -> list[int]:
    """The local S3 server's process (the embedded `rclone serve s3` listening on the address
    S3_ENDPOINT_URL names); none when storage is elsewhere."""
    from django.conf import settings

    address = urlsplit(settings.S3_ENDPOINT_URL or "").netloc
    found = []
    for entry in os.listdir("/proc"):
        try:
            arguments = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if entry.isdigit() and b"serve" in arguments and b"s3" in arguments and address.encode() in arguments:
            found.append(int(entry))
    return found


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Client(http_client.Client):
    """bench.lib's client as the company admin, for JSON calls of any method (uploads run long:
    a 600 s timeout)."""

    def __init__(self, port: int, company: dict) -> None:
        super().__init__(port, company["host"], company["token"], timeout=600)

    def json(self, method: str, path: str, payload=None, expect: int = 200) -> tuple[dict, float]:
        body = None if payload is None else json.dumps(payload)
        status, data, elapsed = self.request(method, path, body, {"Content-Type": "application/json"} if body else None)
        if status != expect:
            raise AssertionError(f"{method} {path}: {status} {data[:300]!r}")
        return json.loads(data), elapsed


class Storage:
    """Plain HTTP to presigned URLs (one persistent connection to the S3 server)."""

    def __init__(self) -> None:
        self.conn: http.client.HTTPConnection | None = None
        self.netloc = None

    def put(self, url: str, body, length: int, headers: dict | None = None) -> dict:
        parts = urlsplit(url)
        if self.conn is None or parts.netloc != self.netloc:
            self.netloc = parts.netloc
            self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.conn.request("PUT", target, body=body, headers={**(headers or {}), "Content-Length": str(length)})
        response = self.conn.getresponse()
        response.read()
        if response.status != 200:
            raise AssertionError(f"PUT {parts.path}: {response.status}")
        return {name.lower(): value for name, value in response.getheaders()}
