"""Provisioning and migration at scale: our fast paths against django-tenants' stock ones.

    .venv/bin/python bench/provisioning.py [--quick]

Measures, with 0, 100 and 1,000 existing tenants (0 and 20 with --quick):
- a full `tenant_signup` (validation, Tenant, Domain, schema, argon2 admin user, seeders,
  PlatformEvent) taking a ready schema from the pool (`signup_*`) and with the pool empty, the
  snapshot's DDL replayed (`signup_replay_*`), against the same work done the stock way
  (`tenant.create_schema(...)`, which runs every migration);
- `migrate_schemas` with nothing pending, and with one new migration (the probe app of
  tests/tenants/probe_app, installed only for that measurement), against the stock executor;
- whether `pg_dump` of the whole database still works, and how long it takes.

Without DATABASE_URL it re-executes itself under `python -m dangan.platform.devservices exec`
(throwaway PostgreSQL, S3, broker). Either way it works in a database of its own, created and
dropped here, so pointing it at a real server never touches that server's data. One JSON
object goes to stdout; everything else to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform as stdlib_platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROBE_APP = "tests.tenants.probe_app"  # one migration of assorted plain DDL
PASSWORD = "Qw7!archive-Ledger"

# Beyond this many schemas (10 with --quick) the stock executor is timed on a sample spread
# over old and new tenants and extrapolated linearly: at 0.5 s or more per schema a full stock
# run over 1,000 tenants would take ten minutes or more.
STOCK_SAMPLE_SCHEMAS = 50
FILLER_BATCH = 50  # filler tenants per transaction


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="levels 0 and 20, 3 samples each (about a minute)")
    return parser.parse_args()


# Set for the re-executed child: the whole cluster is thrown away afterwards, so dropping the
# bench database (minutes at 1,000 tenants: tens of thousands of files) is skipped.
THROWAWAY_CLUSTER_ENV = "DANGAN_BENCH_THROWAWAY_CLUSTER"


def reexec_under_devservices() -> int:
    command = [sys.executable, "-m", "dangan.platform.devservices", "exec", "--",
               sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    return subprocess.call(command, cwd=REPO_ROOT, env={**os.environ, THROWAWAY_CLUSTER_ENV: "1"})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Setup


def setup_django() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.platform.settings.test")
    sys.path.insert(0, str(REPO_ROOT))  # the probe app lives under tests/
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # The test settings hash with MD5 for speed; a signup is measured with production's hashers.
    import importlib

    settings.PASSWORD_HASHERS = importlib.import_module("dangan.platform.settings.base").PASSWORD_HASHERS
    # Production behaviour: each signup queues a pool refill on commit (no worker consumes it
    # here; the bench refills the pool itself between measurements).
    settings.DANGAN_SCHEMA_POOL_REFILL_ON_SIGNUP = True
    # A database of our own, whatever server DATABASE_URL names.
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"dangan_bench_{os.getpid()}"
    start = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return {"initial_migrate_s": round(time.perf_counter() - start, 2)}


def teardown_database(original_name: str) -> None:
    from django.db import connection

    connection.set_schema_to_public()
    if os.environ.get(THROWAWAY_CLUSTER_ENV):
        connection.close()
        return
    connection.creation.destroy_test_db(original_name, verbosity=0)


@contextlib.contextmanager
def stock_migrate_schemas(executor_factory=None):
    """migrate_schemas with django-tenants' own executor (or `executor_factory`) instead of ours."""
    from django_tenants.management.commands import migrate_schemas
    from django_tenants.migration_executors import get_executor

    ours = migrate_schemas.GET_EXECUTOR_FUNCTION
    migrate_schemas.GET_EXECUTOR_FUNCTION = executor_factory or get_executor
    try:
        yield
    finally:
        migrate_schemas.GET_EXECUTOR_FUNCTION = ours


def migrate() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate_schemas", interactive=False, verbosity=0)
    connection.set_schema_to_public()


# ---------------------------------------------------------------------------------------------
# Tenants


class Names:
    def __init__(self) -> None:
        self.counter = 0

    def next(self, prefix: str) -> dict:
        self.counter += 1
        slug = f"{prefix}{self.counter:05d}"
        return {"company_name": f"基准公司{self.counter}", "slug": slug, "admin_name": "基准 管理员",
                "admin_email": f"admin@{slug}.example.com", "admin_password": PASSWORD}


def tenant_count() -> int:
    from dangan.tenants.models import Tenant

    return Tenant.objects.exclude(schema_name="public").count()


def add_filler_tenants(count: int, names: Names) -> None:
    """Existing tenants, made by the provisioning function directly (no argon2 admin user)."""
    from django.db import transaction

    from dangan.tenants import provisioning, services, validation
    from dangan.tenants.models import Domain, Plan, Tenant

    plan = Plan.objects.get(is_default=True)
    for start in range(0, count, FILLER_BATCH):
        with transaction.atomic():
            for _ in range(min(FILLER_BATCH, count - start)):
                data = names.next("fill")
                schema = validation.schema_name_for(data["slug"])
                tenant = Tenant.objects.create(schema_name=schema, name=data["company_name"], slug=data["slug"],
                                               plan=plan, admin_email=data["admin_email"])
                Domain.objects.create(domain=services.tenant_host(data["slug"]), tenant=tenant, is_primary=True)
                provisioning.create_schema_from_template(schema)


def fill_to(level: int, names: Names) -> None:
    missing = level - tenant_count()
    if missing > 0:
        log(f"adding {missing} filler tenants (to {level})")
        start = time.perf_counter()
        add_filler_tenants(missing, names)
        log(f"  {time.perf_counter() - start:.1f} s")


def our_signup(data: dict) -> None:
    from dangan.tenants.services import tenant_signup

    tenant_signup(**data)


def stock_signup(data: dict) -> None:
    """The same work as tenant_signup, with the schema made the django-tenants way."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User
    from dangan.tenants import services, validation
    from dangan.tenants.models import Domain, Plan, PlatformEvent, Tenant

    validation.validate_signup(**data)
    slug = data["slug"]
    plan = Plan.objects.get(is_default=True)
    tenant = Tenant.objects.create(schema_name=validation.schema_name_for(slug), name=data["company_name"],
                                   slug=slug, plan=plan, admin_email=data["admin_email"])
    Domain.objects.create(domain=services.tenant_host(slug), tenant=tenant, is_primary=True)
    with stock_migrate_schemas():
        tenant.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
    with schema_context(tenant.schema_name):
        admin = User.objects.create_user(email=data["admin_email"], password=data["admin_password"],
                                         full_name=data["admin_name"], is_staff=True, is_superuser=True)
        services._seed_tenant(tenant, admin)
    PlatformEvent.objects.create(action=PlatformEvent.Action.SIGNUP, tenant_slug=slug, tenant_name=data["company_name"],
                                 schema_name=tenant.schema_name, actor=data["admin_email"], details={"plan": plan.code})
    connection.set_schema_to_public()


def measure_signups(levels: list[int], samples: dict[str, int], names: Names) -> tuple[dict, dict]:
    """At each level: our signup with a ready pool schema (the pool topped up between signups,
    untimed, as the refill after each signup does), ours with an empty pool (DDL replayed), and
    the stock way."""
    from dangan.tenants import provisioning

    metrics, baseline = {}, {}

    def ours_from_pool() -> float:
        provisioning.refresh_schema_pool()
        return timed(our_signup, names.next("pool"))

    def ours_replayed() -> float:
        provisioning.refresh_schema_pool(size=0)
        return timed(our_signup, names.next("replay"))

    def stock() -> float:
        return timed(stock_signup, names.next("stock"))

    runs = (("ours", ours_from_pool, "signup", metrics), ("ours_replay", ours_replayed, "signup_replay", metrics),
            ("stock", stock, "signup", baseline))
    for level in levels:
        fill_to(level, names)
        for label, measure, metric, target in runs:
            durations = [measure() for _ in range(samples[label])]
            target[f"{metric}_median_s_at_{level}"] = round(statistics.median(durations), 4)
            target[f"{metric}_p95_s_at_{level}"] = round(percentile(durations, 0.95), 4)
            log(f"{label} signup at {level}: median {statistics.median(durations):.3f} s, "
                f"max {max(durations):.3f} s over {len(durations)}")
    provisioning.refresh_schema_pool()
    return metrics, baseline


def password_hash_seconds(rounds: int = 5) -> float:
    """What the admin's password hash alone costs: a floor under both signups alike."""
    from django.contrib.auth.hashers import make_password

    return round(statistics.median(timed(make_password, PASSWORD) for _ in range(rounds)), 4)


# ---------------------------------------------------------------------------------------------
# migrate_schemas


def sampled_stock_executor(sample: list[str], timings: dict):
    """django-tenants' executor, timing its public pass and running only `sample` of the tenants."""
    from django_tenants.migration_executors import get_executor

    def factory(codename=None):
        class SampledStockExecutor(get_executor(codename)):
            def run_migrations(self, tenants=None):
                tenants = list(tenants or [])
                if tenants == [self.PUBLIC_SCHEMA_NAME]:
                    timings["public_s"] = timed(super().run_migrations, tenants=tenants)
                    return
                timings["schemas"] = len(tenants)
                chosen = [schema for schema in tenants if schema in set(sample)]
                timings["sampled"] = len(chosen)
                timings["sample_s"] = timed(super().run_migrations, tenants=chosen)

        return SampledStockExecutor

    return factory


def stock_migrate_estimate(sample: list[str]) -> tuple[float, dict]:
    from django.db import connection

    timings: dict = {}
    with stock_migrate_schemas(sampled_stock_executor(sample, timings)):
        migrate()
    connection.set_schema_to_public()
    estimate = timings["public_s"] + timings["sample_s"] / timings["sampled"] * timings["schemas"]
    return estimate, timings


@contextlib.contextmanager
def probe_app_installed():
    from django.conf import settings
    from django.test import override_settings

    from dangan.tenants import provisioning

    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, PROBE_APP],
                           TENANT_APPS=[*settings.TENANT_APPS, PROBE_APP],
                           MIGRATION_MODULES={"probe_app": f"{PROBE_APP}.migrations"}):
        provisioning.code_migrations.cache_clear()
        try:
            yield
        finally:
            provisioning.code_migrations.cache_clear()


def unapply_probe_migration(schemas: list[str]) -> None:
    """Put schemas back to before the probe migration, so the stock path has it to do again."""
    from django.db import connection

    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'DROP TABLE IF EXISTS "{schema}".probe_app_probenote, '
                           f'"{schema}".probe_app_proberecord CASCADE')
            cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', ["probe_app"])
            cursor.execute(f'DELETE FROM "{schema}".auth_permission WHERE content_type_id IN '
                           f'(SELECT id FROM "{schema}".django_content_type WHERE app_label = %s)', ["probe_app"])
            cursor.execute(f'DELETE FROM "{schema}".django_content_type WHERE app_label = %s', ["probe_app"])


def measure_migrations(level: int, stock_sample: int) -> tuple[dict, dict, dict]:
    from dangan.tenants.migration_executor import pending_migrations_by_schema
    from dangan.tenants.models import Tenant

    metrics, baseline, params = {}, {}, {}
    schemas = list(Tenant.objects.exclude(schema_name="public").order_by("pk").values_list("schema_name", flat=True))
    step = max(1, len(schemas) // stock_sample)
    sample = schemas[::step][:stock_sample]  # spread over old and new tenants
    params.update(migrate_tenants=len(schemas), baseline_sampled_schemas=len(sample),
                  baseline_extrapolated=len(sample) < len(schemas))

    metrics[f"migrate_noop_s_at_{level}"] = round(timed(migrate), 3)
    estimate, timings = stock_migrate_estimate(sample)
    baseline[f"migrate_noop_s_at_{level}"] = round(estimate, 3)
    log(f"migrate no-op: ours {metrics[f'migrate_noop_s_at_{level}']} s, stock ~{estimate:.1f} s ({timings})")

    with probe_app_installed():
        assert len(pending_migrations_by_schema(schemas)) == len(schemas), "the probe migration must be pending"
        metrics[f"migrate_one_s_at_{level}"] = round(timed(migrate), 3)
        left = pending_migrations_by_schema(schemas)
        assert not left, f"{len(left)} schemas still pending after our migrate_schemas"
        # The stock run gets the same work: the sampled schemas and public lose the migration again.
        unapply_probe_migration([*sample, "public"])
        estimate, timings = stock_migrate_estimate(sample)
        assert not pending_migrations_by_schema(sample), "the stock run must have migrated its sample"
        baseline[f"migrate_one_s_at_{level}"] = round(estimate, 3)
    log(f"migrate one migration: ours {metrics[f'migrate_one_s_at_{level}']} s, stock ~{estimate:.1f} s ({timings})")
    return metrics, baseline, params


# ---------------------------------------------------------------------------------------------
# pg_dump


def measure_pg_dump(level: int) -> dict:
    from django.db import connection

    from dangan.platform.devservices.postgres import pg_binary

    db = connection.settings_dict
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "dump.pgc"
        command = [pg_binary("pg_dump"), "--format=custom", "--file", str(target), "--dbname", db["NAME"]]
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if db.get(key):
                command += [option, str(db[key])]
        env = {"PATH": "/usr/bin:/bin", **({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {})}
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - start
        size = target.stat().st_size if target.exists() else 0
    if result.returncode != 0:
        log(f"pg_dump failed: {result.stderr.strip()[-2000:]}")
    log(f"pg_dump at {level}: ok={result.returncode == 0} in {elapsed:.1f} s, {size / 1e6:.1f} MB")
    return {f"pg_dump_ok_at_{level}": result.returncode == 0, f"pg_dump_s_at_{level}": round(elapsed, 2),
            f"pg_dump_mb_at_{level}": round(size / 1e6, 1)}


def server_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        facts = {}
        for name in ("server_version", "max_locks_per_transaction", "max_connections", "fsync", "synchronous_commit"):
            cursor.execute(f"SHOW {name}")
            facts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'dangan_tenant_template'")
        facts["tables_per_tenant"] = cursor.fetchone()[0]
    return facts


# ---------------------------------------------------------------------------------------------


def run(quick: bool) -> dict:
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    setup = setup_django()
    from bench.lib.runner import machine_speed

    speed = machine_speed()
    from django.conf import settings

    original_name = settings.DATABASES["default"]["NAME"]  # create_test_db switched to ours
    levels = [0, 20] if quick else [0, 100, 1000]
    # --quick keeps a stock signup (every migration: seconds) to one per level.
    samples = {"ours": 3, "ours_replay": 2, "stock": 1} if quick else {"ours": 20, "ours_replay": 5, "stock": 5}
    stock_sample = 10 if quick else STOCK_SAMPLE_SCHEMAS
    names = Names()
    try:
        hash_s = password_hash_seconds()
        metrics, baseline = measure_signups(levels, samples, names)
        # Both signups hash the same password the same way; without that shared cost the figures
        # show what provisioning itself costs each path.
        for figures in (metrics, baseline):
            for level in levels:
                figures[f"signup_median_minus_hash_s_at_{level}"] = round(
                    figures[f"signup_median_s_at_{level}"] - hash_s, 4)
        top = levels[-1]
        facts = server_facts()
        metrics.update(measure_pg_dump(top))
        migrate_metrics, migrate_baseline, migrate_params = measure_migrations(top, stock_sample)
        metrics.update(migrate_metrics)
        baseline.update(migrate_baseline)
    finally:
        from django.db import connection

        log(f"done with {connection.settings_dict['NAME']}")
        teardown_database(original_name)

    from dangan.tenants import provisioning

    params = {
        "quick": quick, "levels": levels, "signup_samples": samples["ours"],
        "signup_replay_samples": samples["ours_replay"], "baseline_signup_samples": samples["stock"],
        "signup_hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1], "password_hash_median_s": hash_s,
        "schema_pool_size": provisioning.pool_size(),
        "filler_tenants": "provisioning.create_schema_from_template + Tenant/Domain rows (no admin user)",
        "migrate_measured_in_process": True, **migrate_params, **setup, **facts,
        "cpu_count": os.cpu_count(), "python": stdlib_platform.python_version(),
        # The machine may be shared: other processes' load inflates every figure alike.
        "loadavg_1m_start": round(load_at_start[0], 2), "machine_speed": speed, "loadavg_1m_end": round(os.getloadavg()[0], 2),
        "total_s": round(time.perf_counter() - started, 1),
    }
    return {"bench": "provisioning", "params": params, "metrics": metrics, "baseline": baseline}


def main() -> int:
    args = parse_args()
    if not os.environ.get("DATABASE_URL"):
        return reexec_under_devservices()
    # Anything Django, migrate or a handler prints goes to stderr: stdout carries the JSON only.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args.quick)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
