"""What the archives bench times against gunicorn: the list (cursor pages, and OFFSET pages
alternating with them), detail, searches, traceability, throughput under 4 clients; and, in
process, the SQL statements of one list request."""
from __future__ import annotations

import base64
import json
import os
import random
import statistics
import subprocess
import threading
import time
from urllib.parse import urlencode, urlsplit

from bench.lib.http_client import Client, timed_requests
from bench.lib.processes import children_of, cpu_seconds, idle_share, machine_cpu_ticks
from bench.lib.runner import database_url, p95, summary

from .data import CITIES, SEED, reading

PAGE_SIZE = 50  # CustomerPagination.page_size
CLIENTS = 4


def samples_from_db(tenant, size: dict) -> dict:
    """Query values that exist: trade names, person names, initials, batches, ids, a deep position."""
    import psycopg

    rng = random.Random(SEED + 2)
    count = size["customers"]
    with psycopg.connect(database_url()) as conn, conn.cursor() as cursor:
        cursor.execute(f'SET search_path TO "{tenant.schema_name}"')
        cursor.execute("SET TIME ZONE 'UTC'")  # positions print as Django's UTC datetimes do
        cursor.execute("SELECT name, kind FROM archives_customer WHERE id = ANY(%s)",
                       [[rng.randrange(1, count + 1) for _ in range(3000)]])
        trade, people = [], []
        for name, kind in cursor.fetchall():
            if kind == "enterprise":
                city = next(c for c, _, _ in CITIES if name.startswith(c))
                trade.append(name[len(city):len(city) + 2])
            else:
                people.append(name)
        cursor.execute("SELECT DISTINCT product_batch FROM archives_salesledgerentry WHERE id = ANY(%s)",
                       [rng.sample(range(1, size["ledger_rows"] + 1), 1000)])
        batches = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT id, created_at FROM archives_customer ORDER BY created_at DESC, id DESC "
                       "OFFSET %s LIMIT 2", [size["deep_offset"] - 1])
        (_, before), (deep_id, _) = cursor.fetchall()
    return {"trade": trade, "people": [name[:2] for name in people], "batches": batches, "deep_id": deep_id,
            "initials": [reading(name)[2][:2] for name in people], "deep_position": str(before),
            "detail_ids": [rng.randrange(1, count + 1) for _ in range(size["requests"] + size["warmup"])]}


def cursor_path(position: str) -> str:
    """The cursor DRF hands out for the page after `position` (CursorPagination.encode_cursor)."""
    token = base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")
    return f"/api/v1/customers/?{urlencode({'cursor': token})}"


def measure_api(client: Client, offset: Client, size: dict, samples: dict) -> tuple[dict, dict, dict]:
    """The list (cursor pages, OFFSET pages on `offset` alternating with them), detail, searches."""
    rng = random.Random(SEED + 3)
    n, warmup = size["requests"], size["warmup"]
    metrics, baseline, params = {}, {}, {}
    first, by_offset = "/api/v1/customers/", "/api/v1/bench-offset/customers/"

    def side_by_side(name: str, path: str, depth: int, baseline_count: int) -> None:
        ours, theirs = timed_requests(client, [path] * (warmup + n), warmup,
                                      (offset, [f"{by_offset}?offset={depth}"] * (3 + baseline_count), 3))
        metrics.update(summary(name, ours))
        baseline.update(summary(name, theirs))

    side_by_side("list_first_page", first, 0, n)
    # Follow `next` the way a client pages down, then time that deep cursor URL.
    url, started = first, time.perf_counter()
    for _ in range(size["follow_pages"]):
        url = "?".join(urlsplit(client.json(url)["next"])[2:4])
    params["deep_cursor_follow_ms_per_page"] = round((time.perf_counter() - started) * 1000 / size["follow_pages"], 2)
    side_by_side("list_deep_page", url, size["follow_pages"] * PAGE_SIZE, n)
    far = cursor_path(samples["deep_position"])
    found = client.json(far)["results"][0]["id"]
    assert found == samples["deep_id"], f"the deep cursor starts at {found}, not {samples['deep_id']}"
    # OFFSET grows with depth: fewer samples at the far end keep the run short.
    side_by_side(f"list_page_at_{size['deep_offset']}", far, size["deep_offset"], max(20, n // 5))

    details = [f"/api/v1/customers/{pk}/" for pk in samples["detail_ids"]]
    metrics.update(summary("detail", timed_requests(client, details, warmup)))
    for name, values in (("name_search", samples["trade"]), ("person_search", samples["people"]),
                         ("pinyin_search", samples["initials"])):
        paths = [f"{first}?{urlencode({'q': q})}" for q in (rng.choice(values) for _ in range(warmup + n))]
        metrics.update(summary(name, timed_requests(client, paths, warmup)))
        params[f"{name}_mean_results"] = statistics.mean(len(client.json(path)["results"]) for path in paths[:30])
        params[f"{name}_examples"] = sorted(set(values))[:6]
    return metrics, baseline, params


def measure_trace(client: Client, size: dict, samples: dict) -> tuple[dict, dict]:
    rng = random.Random(SEED + 4)
    n, warmup = size["requests"], size["warmup"]
    paths = [f"/api/v1/traceability/?{urlencode({'batch': rng.choice(samples['batches'])})}" for _ in range(warmup + n)]
    rows = len(client.json(paths[0])["results"])
    return summary("trace_batch", timed_requests(client, paths, warmup)), {
        "trace_batch_measured": "HTTP GET /api/v1/traceability/?batch=<batch> (TraceabilityApi, its default page size)",
        "trace_batch_rows_per_page": rows}


def server_processes(server: subprocess.Popen) -> tuple[list[int], list[int]]:
    """gunicorn's workers, and the PostgreSQL backends connected to the bench database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return children_of(server.pid), [row[0] for row in cursor.fetchall()]


def measure_rps(server: subprocess.Popen, port: int, host: str, token: str, seconds: float) -> dict:
    """First pages from CLIENTS threads for `seconds`; and the CPU the server (gunicorn workers
    and PostgreSQL backends) spent per request meanwhile, which a busy machine does not inflate
    the way it inflates latencies."""
    counts, latencies, errors = [0] * CLIENTS, [], []
    stop_at = time.perf_counter() + seconds

    def work(index: int) -> None:
        client = Client(port, host, token)
        client.get("/api/v1/customers/")
        while time.perf_counter() < stop_at:
            status, _, elapsed = client.get("/api/v1/customers/")
            if status != 200:
                errors.append(status)
            counts[index] += 1
            latencies.append(elapsed)
        client.close()

    workers, backends = server_processes(server)
    before, ticks = (cpu_seconds(workers), cpu_seconds(backends)), machine_cpu_ticks()
    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    idle = idle_share(ticks, machine_cpu_ticks())
    workers, backends = server_processes(server)
    app, db = ({pid: seconds - earlier.get(pid, 0.0) for pid, seconds in cpu_seconds(pids).items()}
               for pids, earlier in zip((workers, backends), before))
    if errors:
        raise AssertionError(f"{len(errors)} failed requests under load: {errors[:5]}")
    requests = sum(counts) + CLIENTS  # each client's first request is inside the CPU window too
    app_ms, db_ms = sum(app.values()) * 1000 / requests, sum(db.values()) * 1000 / requests
    return {"list_rps": round(sum(counts) / elapsed, 1), "list_under_load_p95_ms": p95(latencies),
            "list_app_cpu_ms_per_request": round(app_ms, 2), "list_db_cpu_ms_per_request": round(db_ms, 2),
            "list_rps_at_full_cpu": round((os.cpu_count() or 1) * 1000 / (app_ms + db_ms), 1),
            "list_rps_machine_idle_share": idle}


def count_queries(tenant, token: str, admin_id: int) -> tuple[dict, dict]:
    """SQL statements of one list request, in process through the whole stack (tenant lookup,
    token, page); and a check that the page is exactly what CustomerListOutput(...).data gives."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context
    from rest_framework.renderers import JSONRenderer

    from dangan.accounts.models import User
    from dangan.api.archives.serializers import CustomerListOutput
    from dangan.archives import selectors

    client = DjangoClient(HTTP_HOST=f"{tenant.slug}.localhost", HTTP_AUTHORIZATION=f"Token {token}")
    metrics, params = {}, {}
    for page_size in (10, 100):
        client.get(f"/api/v1/customers/?page_size={page_size}")  # warm caches, as a server's are
        # The fewer of two: a cache that expires now and then (the host → company lookup) is not
        # what the page costs, and a busy machine can stretch the gap past its lifetime.
        captured = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/api/v1/customers/?page_size={page_size}")
            assert response.status_code == 200 and len(response.json()["results"]) == page_size
            captured.append([query["sql"] for query in queries.captured_queries])
        statements = min(captured, key=len)
        metrics[f"queries_per_list_request_page_size_{page_size}"] = len(statements)
        params[f"list_request_statements_page_size_{page_size}"] = [" ".join(s.split()[:4])[:60] for s in statements]
    with tenant_context(tenant):
        page = list(selectors.customer_list(user=User.objects.get(pk=admin_id), filters={})[:100])
        expected = json.loads(JSONRenderer().render(CustomerListOutput(page, many=True).data))
    assert response.json()["results"] == expected, "the list differs from CustomerListOutput's rendering"
    params["list_output_checked_against_serializer"] = True
    return metrics, params


def facts(tenant) -> dict:
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for name in ("server_version", "shared_buffers", "work_mem", "jit"):
            cursor.execute(f"SHOW {name}")
            result[f"pg_{name}"] = cursor.fetchone()[0]
        cursor.execute("""SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c
                          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND relname IN
                          ('archives_customer', 'archives_contact', 'archives_salesledgerentry')""",
                       [tenant.schema_name])
        result.update({f"{name}_mb": round(total / 2**20) for name, total in cursor.fetchall()})
    return result
