"""`migrate_schemas` that keeps the template current, skips up-to-date schemas cheaply and
applies a shared plan of plain DDL to many schemas without running Django's migrate in each.

Stock django-tenants runs Django's `migrate` in every schema, even when nothing is pending:
0.2–0.7 s per schema spent loading the graph, rendering model states, running the system checks
and scanning the catalog (bench/provisioning.py: ~11 minutes at 1,000 tenants). So:

1. One catalog query per few hundred schemas finds what each schema lacks; up-to-date schemas
   are not touched at all.
2. The template schema is migrated the stock way (it is the reference new tenants are copied
   from), its DDL snapshot re-rendered and the pool of ready schemas remade from it, so signups
   work again before the tenants are done.
3. Schemas that lack the same migrations, where every operation is plain DDL (no RunPython),
   get that plan rendered to SQL once — the machinery `sqlmigrate` uses, rendered against one
   of them so that whatever the schema editor reads from the catalog is what they all have —
   and replayed in each: `SET search_path`, the statements, the `django_migrations` rows and
   the post_migrate handlers of the migrated apps (content types, permissions), one
   transaction per schema so a failure stays in its schema and is reported at the end.
4. Everything else (RunPython, non-atomic migrations, odd pending sets, targeted runs such as
   `--fake` or `migrate_schemas app 0003`) takes the stock per-schema path.

The first schema of each fast group is compared with the freshly migrated template before it
commits; on any structural difference the whole group goes the stock way instead.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.core.management import CommandError
from django.core.management.sql import emit_pre_migrate_signal
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations import RunPython, SeparateDatabaseAndState
from django.db.models.signals import post_migrate
from django_tenants.migration_executors import get_executor as stock_get_executor
from django_tenants.signals import schema_migrated

from dangan.platform.logging import get_logger

from . import provisioning

log = get_logger(__name__)

CHUNK = 400  # schemas per catalog query; keeps each statement well under any size limit

# Rendering a plan costs about one stock migration (graph, states, catalog reads), so a lone
# schema gains nothing from the fast path; two or more do.
FAST_PATH_MIN_SCHEMAS = 2

# Operations whose database effect is exactly the SQL they emit to the schema editor. A custom
# operation may also touch the database directly while "collecting", so only Django's own count.
PLAIN_DDL_OPERATION_MODULES = ("django.db.migrations.operations.", "django.contrib.postgres.operations")

# Options that ask migrate for something other than "bring every schema up to date" (--fake
# besides): those runs keep Django's own migrate for every schema that needs work.
STOCK_ONLY_OPTIONS = ("fake_initial", "plan", "check_unapplied", "prune", "run_syncdb")


class FastPathUnavailable(Exception):
    """The pending plan cannot be replayed as rendered SQL; the stock path must run it."""


# ---------------------------------------------------------------------------------------------
# Which schemas lack what


def pending_migrations_by_schema(schemas: list[str]) -> dict[str, frozenset[str] | None]:
    """The migrations ('app.name') each schema lacks; up-to-date schemas are left out.

    A schema without a django_migrations table maps to None: it needs everything, and only the
    stock path knows how to create that table in the right schema.
    """
    expected = sorted(provisioning.code_migrations())
    if not schemas:
        return {}
    pending: dict[str, frozenset[str] | None] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        pending.update({schema: None for schema in schemas if schema not in with_table})
        candidates = [schema for schema in schemas if schema in with_table]
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start:start + CHUNK]
            # The expected names travel once, as a CTE; each schema then contributes one row
            # holding what it lacks (an empty array when it is up to date).
            union = " UNION ALL ".join(
                f"SELECT %s, ARRAY(SELECT name FROM expected EXCEPT "
                f"SELECT app || '.' || name FROM \"{schema}\".django_migrations)" for schema in chunk
            )
            cursor.execute(f"WITH expected(name) AS (SELECT unnest(%s::text[])) {union}", [expected, *chunk])
            pending.update({schema: frozenset(missing) for schema, missing in cursor.fetchall() if missing})
    return {schema: pending[schema] for schema in schemas if schema in pending}


def schemas_with_pending_migrations(schemas: list[str]) -> list[str]:
    return list(pending_migrations_by_schema(schemas))


# ---------------------------------------------------------------------------------------------
# Rendering a plan once


@dataclass
class RenderedPlan:
    """A forwards plan rendered to SQL, ready to replay in any schema in the same state."""

    plan: list[tuple[Migration, bool]]
    statements: list[str]
    post_migrate_apps: object  # the StateApps post_migrate handlers receive, as migrate gives them

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f"{migration.app_label}.{migration.name}" for migration, _ in self.plan)

    @property
    def sql(self) -> str:
        # Statements arrive with their parameters already inlined (collect_sql mode), so the
        # whole plan goes to the server as one parameterless round trip.
        return "\n".join(self.statements)

    @property
    def recorded_rows(self) -> list[tuple[str, str]]:
        # What Django's executor records: a squashed migration also marks what it replaces.
        rows: list[tuple[str, str]] = []
        for migration, _ in self.plan:
            rows.extend(migration.replaces or [])
            rows.append((migration.app_label, migration.name))
        return rows


def _database_operations(operations):
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            yield from _database_operations(operation.database_operations)
        else:
            yield operation


def not_plain_ddl_reason(plan: list[tuple[Migration, bool]]) -> str | None:
    """Why this plan cannot be replayed as rendered SQL, or None when it can."""
    for migration, backwards in plan:
        if backwards:
            return f"{migration.app_label}.{migration.name} would be unapplied"
        if not migration.atomic:
            # e.g. AddIndexConcurrently: cannot run inside the per-schema transaction.
            return f"{migration.app_label}.{migration.name} is not atomic"
        for operation in _database_operations(migration.operations):
            if isinstance(operation, RunPython) or not operation.reduces_to_sql:
                return f"{migration.app_label}.{migration.name}: {operation.describe()} runs Python"
            if not type(operation).__module__.startswith(PLAIN_DDL_OPERATION_MODULES):
                return f"{migration.app_label}.{migration.name}: custom operation {type(operation).__name__}"
    return None


def render_plan(schema: str) -> RenderedPlan:
    """Render what `migrate` would run in `schema` to SQL, without changing the schema.

    Rendered against a schema that still lacks the plan: the schema editor reads constraint
    names from the catalog for some operations, and that catalog must be the pre-plan one.
    """
    connection.set_schema(schema)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        # What migrate does before it runs anything; the contenttypes handler inserts a
        # RunPython after every RenameModel here, which not_plain_ddl_reason then refuses.
        pre_state = executor._create_project_state(with_applied_migrations=True)
        emit_pre_migrate_signal(0, False, connection.alias, apps=pre_state.apps, plan=plan)
        reason = not_plain_ddl_reason(plan)
        if reason:
            raise FastPathUnavailable(reason)
        state = pre_state.clone()
        statements: list[str] = []
        try:
            for migration, _ in plan:
                with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
                    state = migration.apply(state, editor, collect_sql=True)
                statements.extend(editor.collected_sql)
        except Exception as exc:  # e.g. an AlterField looking up a constraint made earlier in the plan
            raise FastPathUnavailable(f"rendering failed: {exc}") from exc
        state.clear_delayed_apps_cache()
        return RenderedPlan(plan=plan, statements=statements, post_migrate_apps=state.apps)
    finally:
        connection.set_schema_to_public()


# ---------------------------------------------------------------------------------------------
# Comparing two schemas


def _normalize(value, schema: str):
    if not isinstance(value, str):
        return value
    return re.sub(rf"\b{re.escape(schema)}\b", "__SCHEMA__", value.replace(f'"{schema}"', schema))


def schema_structure(schema: str) -> dict[str, list[tuple]]:
    """Tables, columns, indexes, constraints, sequences and triggers of a schema, with its own
    name taken out, so that two schemas can be compared for equality."""
    queries = {
        "tables": "SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
        # Position within the table, not attnum: a migrated table keeps gaps where a column was
        # dropped, a replayed one numbers its columns densely.
        "columns": "SELECT table_name, column_name, row_number() OVER (PARTITION BY table_name "
                   "ORDER BY ordinal_position), data_type, udt_name, character_maximum_length, "
                   "numeric_precision, numeric_scale, is_nullable, column_default, is_identity, "
                   "identity_generation FROM information_schema.columns WHERE table_schema = %s",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
        "constraints": "SELECT cl.relname, con.conname, con.contype, pg_get_constraintdef(con.oid), "
                       "con.condeferrable, con.condeferred FROM pg_constraint con "
                       "JOIN pg_class cl ON cl.oid = con.conrelid "
                       "JOIN pg_namespace n ON n.oid = con.connamespace WHERE n.nspname = %s",
        # pg_sequence, not the pg_sequences view: the view reads every sequence in the database
        # (last_value) before filtering, seconds at a thousand tenants.
        "sequences": "SELECT c.relname, format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax, "
                     "s.seqcycle FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
                     "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
        "triggers": "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND NOT t.tgisinternal",
    }
    structure: dict[str, list[tuple]] = {}
    with connection.cursor() as cursor:
        # Catalog functions leave out the schema of whatever is on the search_path; with only
        # pg_catalog there, both schemas' names are always spelled out, then normalized.
        cursor.execute("SELECT current_setting('search_path')")
        search_path = cursor.fetchone()[0]
        cursor.execute("SET search_path TO pg_catalog")
        try:
            for aspect, sql in queries.items():
                cursor.execute(sql, [schema])
                structure[aspect] = sorted(tuple(_normalize(v, schema) for v in row) for row in cursor.fetchall())
        finally:
            cursor.execute("SELECT set_config('search_path', %s, false)", [search_path])
    return structure


def structure_differences(left: dict, right: dict) -> list[str]:
    return [aspect for aspect in left if left[aspect] != right.get(aspect)]


# ---------------------------------------------------------------------------------------------
# Replaying a rendered plan


class StructureMismatch(Exception):
    pass


def apply_rendered_plan(schema: str, rendered: RenderedPlan, *, verbosity: int = 0,
                        reference: dict | None = None) -> None:
    """Run the rendered plan in `schema` and record it, in one transaction.

    With `reference` (a schema_structure), the result is compared before commit and rolled
    back with StructureMismatch if it differs.
    """
    connection.set_schema(schema)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if rendered.statements:
                    cursor.execute(rendered.sql)
                cursor.executemany(
                    "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
                    rendered.recorded_rows,
                )
            _emit_post_migrate(rendered, verbosity)
            if reference is not None:
                differences = structure_differences(reference, schema_structure(schema))
                if differences:
                    raise StructureMismatch(", ".join(differences))
    finally:
        connection.set_schema_to_public()
    schema_migrated.send(apply_rendered_plan, schema_name=schema)


def _emit_post_migrate(rendered: RenderedPlan, verbosity: int) -> None:
    """migrate's post_migrate (content types and permissions of new models), sent for the apps
    the plan migrates. Stock migrate sends it for every app, which re-checks ~10 apps' content
    types and permissions with ~40 queries per schema (most of a schema's time here) and can
    only find something to do where rows were deleted by hand."""
    labels = {migration.app_label for migration, _ in rendered.plan}
    for app_config in django_apps.get_app_configs():
        if app_config.models_module is None or app_config.label not in labels:
            continue
        post_migrate.send(sender=app_config, app_config=app_config, verbosity=verbosity, interactive=False,
                          using=connection.alias, stdout=sys.stdout, apps=rendered.post_migrate_apps,
                          plan=rendered.plan)


@dataclass
class FastPathReport:
    applied: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    sent_to_stock: list[str] = field(default_factory=list)


def run_fast_path(groups: dict[frozenset[str], list[str]], *, verbosity: int) -> FastPathReport:
    """Apply each group's shared plan to its schemas; what cannot be done here is handed back
    in `sent_to_stock`, per-schema failures in `failed`."""
    report = FastPathReport()
    reference = None
    for missing, schemas in groups.items():
        try:
            rendered = render_plan(schemas[0])
            if rendered.names != missing:
                raise FastPathUnavailable("the plan differs from the missing set (squashed migrations?)")
        except FastPathUnavailable as exc:
            _send_to_stock(report, schemas, exc, verbosity)
            continue
        if reference is None:
            reference = schema_structure(provisioning.TEMPLATE_SCHEMA)
        verified = False
        for index, schema in enumerate(schemas):
            try:
                # Until one schema has come out identical to the template, each is checked.
                apply_rendered_plan(schema, rendered, verbosity=verbosity,
                                    reference=None if verified else reference)
            except StructureMismatch as exc:
                _send_to_stock(report, schemas[index:], f"result differs from the template in {exc}", verbosity)
                break
            except Exception as exc:  # noqa: BLE001 — one schema's failure must not stop the others
                report.failed[schema] = f"{type(exc).__name__}: {exc}"
                log.warning("migrate_fast_path_failed", schema=schema, error=str(exc))
            else:
                verified = True
                report.applied.append(schema)
                if verbosity >= 2:
                    print(f"[fast:{schema}] applied {len(rendered.plan)} migrations", file=sys.stdout)
        if verbosity >= 1:
            print(f"[fast] {', '.join(sorted(missing))}: applied in "
                  f"{sum(s in report.applied for s in schemas)} of {len(schemas)} schemas", file=sys.stdout)
    return report


def _send_to_stock(report: FastPathReport, schemas: list[str], reason, verbosity: int) -> None:
    log.info("migrate_fast_path_skipped", schemas=len(schemas), reason=str(reason))
    if verbosity >= 1:
        print(f"[fast] {len(schemas)} schemas go the stock way: {reason}", file=sys.stdout)
    report.sent_to_stock += schemas


def fast_path_groups(pending: dict[str, frozenset[str] | None]) -> tuple[dict[frozenset[str], list[str]], list[str]]:
    """Split pending schemas into groups sharing one missing set (fast) and the rest (stock)."""
    by_missing: dict[frozenset[str], list[str]] = {}
    stock: list[str] = []
    for schema, missing in pending.items():
        if missing is None:
            stock.append(schema)
        else:
            by_missing.setdefault(missing, []).append(schema)
    groups = {}
    for missing, schemas in by_missing.items():
        if len(schemas) >= FAST_PATH_MIN_SCHEMAS:
            groups[missing] = schemas
        else:
            stock += schemas
    return groups, stock


# ---------------------------------------------------------------------------------------------


def get_executor(codename=None):
    base = stock_get_executor(codename)

    class DanganExecutor(base):
        def run_migrations(self, tenants=None):
            tenants = list(tenants or [])
            public = self.PUBLIC_SCHEMA_NAME
            if public in tenants:
                super().run_migrations(tenants=[public])
                tenants.remove(public)
                from .services import ensure_public_tenant

                ensure_public_tenant()
                if not tenants:
                    return
            if self.options.get("schema_name"):
                # `--schema X`: exactly what was asked, no template work.
                return super().run_migrations(tenants=tenants)
            template = provisioning.TEMPLATE_SCHEMA
            provisioning.ensure_template_schema()
            schemas = [template] + [t for t in tenants if t != template]
            # Named targets and --fake act on every schema, as stock does; the other special
            # options still skip up-to-date schemas but keep Django's migrate for the rest.
            everywhere = bool(self.args) or bool(self.options.get("fake"))
            stock_only = everywhere or any(self.options.get(option) for option in STOCK_ONLY_OPTIONS)
            pending = dict.fromkeys(schemas) if everywhere else pending_migrations_by_schema(schemas)
            template_migrated = template in pending
            pending.pop(template, None)
            if template_migrated:
                super().run_migrations(tenants=[template])
            if template_migrated or not provisioning.snapshot_is_current():
                provisioning.refresh_template_snapshot()
            # Before the tenants: signups during a long tenant migration find schemas ready.
            provisioning.refresh_schema_pool()
            if not pending:
                return
            groups, stock = ({}, list(pending)) if stock_only else fast_path_groups(pending)
            report = run_fast_path(groups, verbosity=int(self.options.get("verbosity", 1)))
            stock += report.sent_to_stock
            if stock:
                super().run_migrations(tenants=stock)
            log.info("migrate_schemas_done", fast=len(report.applied), stock=len(stock), failed=len(report.failed))
            if report.failed:
                listed = "; ".join(f"{schema}: {error}" for schema, error in sorted(report.failed.items()))
                raise CommandError(f"migrations failed in {len(report.failed)} schema(s), "
                                   f"each rolled back: {listed}")

    return DanganExecutor
