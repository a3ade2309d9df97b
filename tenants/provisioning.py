"""Sub-second tenant schemas: replay the pre-rendered DDL of a migrated template schema.

Running every migration for each signup costs seconds, and django-tenants' clone function
spends most of its time querying the catalog (1.9 s per tenant at 1,000 tenants). Instead,
`migrate_schemas` keeps one template schema migrated and renders it once with `pg_dump`
(structure, the rows migrations put there, sequence positions). A signup replays that text
with the new schema's name in one round trip: the result is, by construction, what migrating
from scratch would have produced (tests/tenants/test_provisioning.py proves it).
"""
from __future__ import annotations

import hashlib
import re
import subprocess
from functools import lru_cache

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from dangan.platform import errors
from dangan.platform.errors import ApplicationError

TEMPLATE_SCHEMA = "dangan_tenant_template"
# Stands for the new schema's (quoted) name in the stored DDL. Contains characters that can
# never appear in a schema name we generate, so replacing it cannot touch anything else.
PLACEHOLDER = "__DANGAN_SCHEMA__"

PROVISIONING_NOT_READY = errors.ErrorCode(
    "provisioning_not_ready",
    "新公司开通暂不可用：数据库模板尚未更新，请稍后再试。",
    "Company provisioning is not ready: the schema template is out of date (run migrate_schemas).",
    503,
)


@lru_cache(maxsize=1)
def code_migrations() -> frozenset[str]:
    """Every migration on disk, as 'app.name' — what an up-to-date schema has recorded."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(f"{app}.{name}" for app, name in loader.disk_migrations)


def fingerprint(names) -> str:
    return hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()


def ensure_template_schema() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{TEMPLATE_SCHEMA}"')


def _pg_dump_command(schema: str) -> tuple[list[str], dict]:
    from dangan.platform.devservices.postgres import pg_binary

    db = connection.settings_dict  # under tests this names the test database
    cmd = [pg_binary("pg_dump"), "--schema", schema, "--no-owner", "--no-privileges", "--inserts",
           "--no-comments", "--dbname", db["NAME"]]
    if db.get("HOST"):
        cmd += ["--host", db["HOST"]]
    if db.get("PORT"):
        cmd += ["--port", str(db["PORT"])]
    if db.get("USER"):
        cmd += ["--username", db["USER"]]
    env = {"PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "10"}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return cmd, env


# pg_dump's session settings and psql meta-commands (\restrict …) are for psql, not for a
# statement sent through a driver; the template's CREATE SCHEMA is replaced by our own.
_DROP_LINE = re.compile(r"^(--|SET |\\|SELECT pg_catalog\.set_config\(|CREATE SCHEMA )")


def render_template_ddl() -> str:
    cmd, env = _pg_dump_command(TEMPLATE_SCHEMA)
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump of the template schema failed: {result.stderr.strip()}")
    kept = [line for line in result.stdout.splitlines() if not _DROP_LINE.match(line)]
    ddl = "\n".join(kept).strip() + "\n"
    return re.sub(rf"\b{TEMPLATE_SCHEMA}\b", PLACEHOLDER, ddl)


def template_migrations() -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{TEMPLATE_SCHEMA}".django_migrations')
        return frozenset(f"{app}.{name}" for app, name in cursor.fetchall())


def refresh_template_snapshot() -> None:
    """Render the template schema's DDL and store it; called after the template migrated."""
    from .models import SchemaTemplate

    ddl = render_template_ddl()
    print_ = fingerprint(template_migrations())
    SchemaTemplate.objects.update_or_create(pk=1, defaults={"ddl": ddl, "fingerprint": print_})


def snapshot_is_current() -> bool:
    from .models import SchemaTemplate

    stored = SchemaTemplate.objects.filter(pk=1).values_list("fingerprint", flat=True).first()
    return stored == fingerprint(code_migrations())


def create_schema_from_template(schema_name: str) -> None:
    """Create `schema_name` from the stored snapshot, inside the caller's transaction."""
    from .models import SchemaTemplate

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema_name):
        raise ValueError(f"unsafe schema name {schema_name!r}")
    snapshot = SchemaTemplate.objects.filter(pk=1).first()
    if snapshot is None or snapshot.fingerprint != fingerprint(code_migrations()):
        raise ApplicationError(PROVISIONING_NOT_READY)
    sql = f'CREATE SCHEMA "{schema_name}";\n' + snapshot.ddl.replace(PLACEHOLDER, f'"{schema_name}"')
    with connection.cursor() as cursor:
        cursor.execute(sql)


def drop_schema(schema_name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema_name) or schema_name in ("public", TEMPLATE_SCHEMA):
        raise ValueError(f"refusing to drop schema {schema_name!r}")
    with connection.cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction (rows written earlier in
        # it) would block the DROP; settle them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
