"""Customer archives at scale: list, detail, search and traceability over HTTP.

    .venv/bin/python bench/archives.py [--quick]

One company (made by `tenant_signup`) holding 1,000,000 customer files with 3 contacts each
and 5,000,000 sales-ledger rows (20,000 / 100,000 with --quick), written with COPY straight
into the company's tables. The app runs under gunicorn with production settings and is timed
through persistent HTTP connections as the company admin (a DRF token): first and deep cursor
pages, detail, Chinese, person-name and pinyin search, traceability by batch, throughput of
the list with 4 clients, and the SQL statements of one list request. The baseline is the same
list paginated with OFFSET (a second gunicorn serving `offset_application`), timed alternately
with the cursor pages at the same depths.

Without DATABASE_URL it re-executes itself under `python -m dangan.platform.devservices exec`
(throwaway PostgreSQL). It works in a database of its own, created and dropped here.
DANGAN_BENCH_KEEP=1 keeps that database instead (in var/bench/archives/, or on the server
DATABASE_URL names) and reuses its data on the next run of the same size. One JSON object goes
to stdout; everything else to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform as stdlib_platform
import secrets
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script, bench/ alone is on the path

# The data and the measurements live in bench/_archives/ (not a bench/*.py, which `make test` would
# run); the OFFSET baseline's URLconf stays here, since gunicorn serves it as bench.archives.
from bench._archives.data import CONTACTS_PER_CUSTOMER, load_data, make_people  # noqa: E402  (after the path is set)
from bench._archives.measure import (  # noqa: E402
    PAGE_SIZE, count_queries, facts, measure_api, measure_rps, measure_trace, samples_from_db,
)
from bench.lib import processes, runner  # noqa: E402
from bench.lib.http_client import Client  # noqa: E402
from bench.lib.processes import stop  # noqa: E402
from bench.lib.runner import (  # noqa: E402
    database_url, load_average, log, machine_speed, reexec_under_devservices)

KEEP = os.environ.get("DANGAN_BENCH_KEEP") == "1"
KEEP_DIR = REPO_ROOT / "var" / "bench" / "archives"
DATA_VERSION = 2  # bump when the generated data changes shape: kept data is then regenerated

FULL = {"customers": 1_000_000, "ledger_rows": 5_000_000, "requests": 300, "warmup": 30, "follow_pages": 500,
        "rps_seconds": 10.0, "deep_offset": 400_000}
QUICK = {"customers": 20_000, "ledger_rows": 100_000, "requests": 60, "warmup": 10, "follow_pages": 60,
         "rps_seconds": 3.0, "deep_offset": 16_000}
# gunicorn: one worker per core (a request is CPU-bound Python, and one process's threads share
# a GIL), two threads each so a request waiting for PostgreSQL leaves the core to the other; more
# threads would only queue for the GIL. 2 × 2 on the 2-core reference machine. The generation
# processes follow the worker count.
WORKERS, THREADS = len(os.sched_getaffinity(0)), 2


def run_on_kept_cluster() -> int:
    """DANGAN_BENCH_KEEP=1 without DATABASE_URL: a PostgreSQL whose data folder outlives the run."""
    return runner.run_on_kept_cluster(__file__, KEEP_DIR / "postgres")


# --------------------------------------------------------------------------------------------
# Setup: database, company


def setup_django() -> float:
    """Django set up on this bench's own database (kept with DANGAN_BENCH_KEEP=1); seconds spent migrating."""
    return runner.setup_django("dangan_bench_archives_keep" if KEEP else f"dangan_bench_archives_{os.getpid()}",
                               keep=KEEP)


def company(size: dict):
    """The bench company, and whether its data is complete (DANGAN_BENCH_KEEP=1 reuses it)."""
    from django.db import connection

    from dangan.tenants.models import Plan, Tenant
    from dangan.tenants.services import tenant_signup

    slug = f"bench{size['customers']}v{DATA_VERSION}"
    marker = f"dangan bench archives {size['customers']} {size['ledger_rows']} v{DATA_VERSION} complete"
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT obj_description(%s::regnamespace, 'pg_namespace')", [tenant.schema_name])
            if cursor.fetchone()[0] == marker:
                return tenant, marker, True
            log(f"dropping the incomplete kept company {slug}")
            cursor.execute(f'DROP SCHEMA "{tenant.schema_name}" CASCADE')
        tenant.domains.all().delete()
        Tenant.objects.filter(pk=tenant.pk).delete()
    # The enterprise plan: the trial's 10,000 API calls a day would end the bench in 429s.
    tenant = tenant_signup(company_name="基准医药集团有限公司", slug=slug, admin_name="基准 管理员",
                           admin_email=f"admin@{slug}.example.com", admin_password=secrets.token_urlsafe(18),
                           plan=Plan.objects.get(code="enterprise"))
    return tenant, marker, False


# --------------------------------------------------------------------------------------------
# HTTP


def start_gunicorn(app: str, port: int) -> subprocess.Popen:
    return processes.start_gunicorn(app, port, workers=WORKERS, threads=THREADS, env={"DATABASE_URL": database_url()})


# The OFFSET baseline: CustomerListApi with the same selector, filters and the stock serializer,
# paginated by OFFSET (without COUNT), at one extra route. Served as
# `bench.archives:offset_application`, whose URLconf is this module.

_offset_app = None


def __getattr__(name: str):
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import path
    from rest_framework.response import Response

    from dangan.api.archives.customers import CustomerListApi, parse_filters
    from dangan.api.archives.serializers import CustomerListOutput
    from dangan.archives import selectors
    from dangan.platform import urls_tenant

    class OffsetCustomerListApi(CustomerListApi):
        def get(self, request):
            customers = selectors.customer_list(user=request.user, filters=parse_filters(request))
            offset = int(request.query_params.get("offset", 0))
            page = list(customers[offset:offset + PAGE_SIZE + 1])
            return Response({"next": f"?offset={offset + PAGE_SIZE}" if len(page) > PAGE_SIZE else None,
                             "previous": None, "results": CustomerListOutput(page[:PAGE_SIZE], many=True).data})

    return [path("api/v1/bench-offset/customers/", OffsetCustomerListApi.as_view()), *urls_tenant.urlpatterns]


def offset_application(environ, start_response):
    global _offset_app
    if _offset_app is None:
        from django.conf import settings
        from django.core.wsgi import get_wsgi_application

        settings.ROOT_URLCONF = "bench.archives"
        _offset_app = get_wsgi_application()
    return _offset_app(environ, start_response)


# --------------------------------------------------------------------------------------------


def run(quick: bool) -> dict:
    started = time.perf_counter()
    size = dict(QUICK if quick else FULL)
    migrate_s = setup_django()
    from django.conf import settings
    from django.db import connection

    from dangan.platform.devservices.services import free_port

    original_name = settings.DATABASES["default"]["NAME"]
    params: dict = {"quick": quick, **size, "contacts_per_customer": CONTACTS_PER_CUSTOMER,
                    "setup_migrate_s": round(migrate_s, 1), "load_average_at_start": load_average(),
                    "machine_speed": machine_speed()}
    servers: list[subprocess.Popen] = []
    try:
        tenant, marker, reused = company(size)
        people = make_people(tenant)
        if reused:
            log(f"reusing the kept data of {tenant.slug}")
        else:
            log(f"generating {size['customers']:,} customers and {size['ledger_rows']:,} ledger rows")
            load_started = time.perf_counter()
            params["load"] = load_data(tenant, people, size, marker, processes=WORKERS)
            params["load_s"] = round(time.perf_counter() - load_started, 1)
        params["data_reused"] = reused
        samples = samples_from_db(tenant, size)
        query_metrics, query_params = count_queries(tenant, people["token"], people["admin_id"])
        params.update(query_params)
        connection.set_schema_to_public()

        host, port, offset_port = f"{tenant.slug}.localhost", free_port(), free_port()
        servers.append(start_gunicorn("dangan.platform.wsgi:application", port))
        servers.append(start_gunicorn("bench.archives:offset_application", offset_port))
        client, offset = Client(port, host, people["token"]), Client(offset_port, host, people["token"])
        metrics, baseline, api_params = measure_api(client, offset, size, samples)
        trace, trace_params = measure_trace(client, size, samples)
        client.close()
        offset.close()
        metrics.update(trace, **measure_rps(servers[0], port, host, people["token"], size["rps_seconds"]),
                       **query_metrics,
                       queries_per_list_request=query_metrics["queries_per_list_request_page_size_100"])
        params.update(api_params, **trace_params, **facts(tenant))
    finally:
        for server in servers:
            stop(server)
        log(f"{'keeping' if KEEP else 'dropping'} {connection.settings_dict['NAME']}")
        connection.set_schema_to_public()
        connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=KEEP)

    params.update({
        "server": f"gunicorn {WORKERS} workers × {THREADS} threads (BalancedThreadWorker: gthread accepting only with a free thread), settings.production, "
                  "DATABASE_CONN_MAX_AGE=60; one persistent HTTP/1.1 connection per client",
        "auth": "DRF token of the company admin (sees every file)",
        "list_deep_page": f"the cursor URL reached by following `next` {size['follow_pages']} pages",
        "baseline_measures": (
            "GET /api/v1/bench-offset/customers/?offset=N on a second gunicorn of the same shape: CustomerListApi "
            "with the same selector and filters and the stock CustomerListOutput(page, many=True).data, paginated "
            "with queryset[N:N+51] (ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET N, no COUNT), its requests "
            f"alternating with the cursor ones; list_deep_page at N = {size['follow_pages'] * PAGE_SIZE} (the "
            f"followed cursor's depth), list_page_at_{size['deep_offset']} at N = {size['deep_offset']}"),
        "list_rps_at_full_cpu": "cpu_count × 1000 / (list_app_cpu_ms_per_request + list_db_cpu_ms_per_request): "
                                "the first pages a second the server would serve with every core to itself (the "
                                "CPU of gunicorn's workers and of the PostgreSQL backends, read from /proc, while "
                                "list_rps ran; clients and other processes excluded)",
        "search_queries": "name_search: the two-character trade name (字号) of random existing company files; "
                          "person_search: the first two characters (surname and given) of random individual "
                          "customers' names; pinyin_search: their first two initials",
        "load_average_at_end": load_average(), "cpu_count": os.cpu_count(),
        "python": stdlib_platform.python_version(), "total_s": round(time.perf_counter() - started, 1),
    })
    return {"bench": "archives", "params": params, "metrics": metrics, "baseline": baseline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 customers, fewer requests (about a minute)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return run_on_kept_cluster() if KEEP else reexec_under_devservices(__file__)
    # Anything Django, migrate or a handler prints goes to stderr: stdout carries the JSON only.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args.quick)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
