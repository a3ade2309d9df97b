"""Sub-second tenant schemas: replay the pre-rendered DDL of a migrated template schema.

Running every migration for each signup costs seconds, and django-tenants' clone function
spends most of its time querying the catalog (1.9 s per tenant at 1,000 tenants). Instead,
`migrate_schemas` keeps one template schema migrated and renders it once with `pg_dump`
(structure, the rows migrations put there, sequence positions). A signup replays that text
with the new schema's name in one round trip: the result is, by construction, what migrating
from scratch would have produced (tests/tenants/test_provisioning.py proves it).

Replaying still creates every table, index and foreign key (about 0.1 s for ~40 tables, more
as the catalog grows), so `migrate_schemas` also keeps a small pool of schemas already made
from the snapshot, and a signup takes one and renames it (`ALTER SCHEMA … RENAME`: one catalog
row). When the pool is empty the signup replays the DDL itself, as before.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import subprocess
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from dangan.platform import errors
from dangan.platform.errors import ApplicationError

TEMPLATE_SCHEMA = "dangan_tenant_template"
# Stands for the new schema's (quoted) name in the stored DDL. Contains characters that can
# never appear in a schema name we generate, so replacing it cannot touch anything else.
PLACEHOLDER = "__DANGAN_SCHEMA__"
# Ready-made schemas are named POOL_PREFIX + the first 16 hex digits of the snapshot fingerprint
# + a random suffix, so a pool made before a migration can never be handed out after it.
POOL_PREFIX = "dangan_pool_"
# Advisory-lock namespace (first key of the two-key form) for claiming pool schemas.
POOL_LOCK_NAMESPACE = 0x64616E67  # "dang"
# Advisory lock (two-key form) held by the one refill allowed to run at a time.
POOL_REFILL_LOCK = (0x64616E68, 0)

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


def _replay(schema_name: str, ddl: str) -> None:
    sql = f'CREATE SCHEMA "{schema_name}";\n' + ddl.replace(PLACEHOLDER, f'"{schema_name}"')
    with connection.cursor() as cursor:
        cursor.execute(sql)


# pg_dump writes one `SELECT pg_catalog.setval(…);` line per sequence, with the template's position.
_SETVAL_LINE = re.compile(r"^SELECT pg_catalog\.setval\(.*\);$", re.MULTILINE)


def create_schema_from_template(schema_name: str) -> None:
    """Create `schema_name` from the stored snapshot, inside the caller's transaction: a pool
    schema renamed when one is ready, else the snapshot's DDL replayed."""
    from .models import SchemaTemplate

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema_name):
        raise ValueError(f"unsafe schema name {schema_name!r}")
    snapshot = SchemaTemplate.objects.filter(pk=1).first()
    if snapshot is None or snapshot.fingerprint != fingerprint(code_migrations()):
        raise ApplicationError(PROVISIONING_NOT_READY)
    pooled = _claim_pool_schema(snapshot.fingerprint)
    if not pooled:
        _replay(schema_name, snapshot.ddl)
        return
    # Sequences are not transactional: a signup that took this schema and then rolled back
    # has advanced them. Reset to the snapshot's positions, as a replay would have set them.
    resets = "\n".join(_SETVAL_LINE.findall(snapshot.ddl)).replace(PLACEHOLDER, f'"{schema_name}"')
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{pooled}" RENAME TO "{schema_name}";\n{resets}')


# --- the pool of ready schemas ----------------------------------------------------------------


def pool_size() -> int:
    # Each ready schema costs one replay (~0.1 s) when made and nothing while it waits; a burst
    # of signups beyond the pool replays the DDL, as if there were no pool.
    return settings.DANGAN_SCHEMA_POOL_SIZE


def _pool_prefix(print_: str) -> str:
    return f"{POOL_PREFIX}{print_[:16]}_"


def pool_schemas(print_: str | None = None) -> list[str]:
    """Pool schemas made from the snapshot with fingerprint `print_` (every one when None)."""
    prefix = _pool_prefix(print_) if print_ else POOL_PREFIX
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname", [prefix])
        return [row[0] for row in cursor.fetchall()]


def _claim_pool_schema(print_: str) -> str | None:
    """A pool schema of this snapshot that no concurrent signup holds, locked until the caller's
    transaction ends; None when there is none."""
    for name in pool_schemas(print_):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [POOL_LOCK_NAMESPACE, name])
            if not cursor.fetchone()[0]:
                continue  # another signup is taking it
            # Asked again, in a statement that starts after the lock was granted: a signup that
            # held the lock until just now may have committed its rename meanwhile.
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
            if cursor.fetchone():
                return name
    return None


# Text that PostgreSQL stores as text keeps the schema's old name after a rename (function
# bodies, their SET search_path); everything else refers to the schema by OID.
_TEXT_BODIES = re.compile(r"^\s*(CREATE|ALTER) (OR REPLACE )?(FUNCTION|PROCEDURE)\b", re.MULTILINE)


def refresh_schema_pool(size: int | None = None) -> int:
    """Drop pool schemas of older snapshots and make new ones up to `size`; returns how many
    were made. Each schema is made in a transaction of its own, so signups proceed meanwhile."""
    from .models import SchemaTemplate

    size = pool_size() if size is None else size
    # One refill at a time across processes: two concurrent refills would both count the same
    # pool and overshoot. A refill that finds another running leaves the work to it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", POOL_REFILL_LOCK)
        if not cursor.fetchone()[0]:
            return 0
    try:
        return _refresh_schema_pool(size)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", POOL_REFILL_LOCK)


def _refresh_schema_pool(size: int) -> int:
    from .models import SchemaTemplate

    snapshot = SchemaTemplate.objects.filter(pk=1).first()
    current = snapshot.fingerprint if snapshot and snapshot.fingerprint == fingerprint(code_migrations()) else None
    keep = set(pool_schemas(current)) if current and size > 0 else set()
    for stale in sorted(set(pool_schemas()) - keep):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{stale}" CASCADE')
    if not current or _TEXT_BODIES.search(snapshot.ddl):
        return 0
    made = 0
    for _ in range(size - len(keep)):
        with transaction.atomic():
            _replay(_pool_prefix(current) + secrets.token_hex(4), snapshot.ddl)
        made += 1
    return made


def drop_schema(schema_name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema_name) or schema_name in ("public", TEMPLATE_SCHEMA):
        raise ValueError(f"refusing to drop schema {schema_name!r}")
    with connection.cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction (rows written earlier in
        # it) would block the DROP; settle them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
