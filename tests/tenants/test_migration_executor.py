"""migrate_schemas: up-to-date schemas are skipped, a shared plain-DDL plan is replayed as SQL
and gives what Django's migrate gives, anything else takes the stock per-schema path; and the
pool of ready schemas it keeps for signups.

Tests that run migrate_schemas commit (it does), so they use `committed`; the probe app they
install (tests/tenants/probe_app) is taken out of the template and public schemas afterwards.
"""
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, migrations
from django.test import override_settings
from django_tenants.migration_executors import base as stock_base
from django_tenants.signals import schema_migrated

from dangan.tenants import migration_executor, provisioning
from dangan.tenants.migration_executor import (
    not_plain_ddl_reason,
    pending_migrations_by_schema,
    schema_structure,
)
from dangan.tenants.services import tenant_signup

PROBE_APP = "tests.tenants.probe_app"
PROBE_TABLES = ("probe_app_probenote", "probe_app_proberecord")


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return [tuple(row) for row in cursor.fetchall()]


@pytest.fixture
def tenants(committed, signup_data):
    """`tenants(n)`: n freshly signed-up companies' schema names (removed by `committed`)."""

    def make(count: int) -> list[str]:
        return [tenant_signup(**signup_data()).schema_name for _ in range(count)]

    return make


@pytest.fixture
def migrated_schemas():
    """Which path migrated which schema, as django-tenants' schema_migrated signal reports it."""
    seen = {"stock": [], "fast": []}

    def record(sender, schema_name, **kwargs):
        if sender is stock_base.run_migrations:
            seen["stock"].append(schema_name)
        elif sender is migration_executor.apply_rendered_plan:
            seen["fast"].append(schema_name)

    schema_migrated.connect(record, weak=False)
    yield seen
    schema_migrated.disconnect(record)


@pytest.fixture
def probe_app(committed):
    """`probe_app(package)`: install the probe app with that migrations package, as if a new
    release had brought it; afterwards the template and public schemas are as before."""
    overrides = []

    def install(package: str = "migrations") -> None:
        override = override_settings(
            INSTALLED_APPS=[*settings.INSTALLED_APPS, PROBE_APP],
            TENANT_APPS=[*settings.TENANT_APPS, PROBE_APP],
            MIGRATION_MODULES={"probe_app": f"{PROBE_APP}.{package}"},
        )
        override.enable()
        overrides.append(override)
        provisioning.code_migrations.cache_clear()

    yield install
    for override in reversed(overrides):
        override.disable()
    provisioning.code_migrations.cache_clear()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for schema in (provisioning.TEMPLATE_SCHEMA, "public"):
            cursor.execute(", ".join(f'"{schema}".{table}' for table in PROBE_TABLES).join(
                ["DROP TABLE IF EXISTS ", " CASCADE"]))
            cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', ["probe_app"])
            cursor.execute(f'DELETE FROM "{schema}".auth_permission WHERE content_type_id IN '
                           f'(SELECT id FROM "{schema}".django_content_type WHERE app_label = %s)', ["probe_app"])
            cursor.execute(f'DELETE FROM "{schema}".django_content_type WHERE app_label = %s', ["probe_app"])
    provisioning.refresh_template_snapshot()
    provisioning.refresh_schema_pool()
    assert provisioning.snapshot_is_current()


def migrate(**options) -> None:
    call_command("migrate_schemas", interactive=False, verbosity=0, **options)
    connection.set_schema_to_public()


def recorded(schema: str) -> set[tuple[str, str]]:
    return set(_rows(f'SELECT app, name FROM "{schema}".django_migrations'))


def content_types_and_permissions(schema: str) -> tuple[list, list]:
    return (
        sorted(_rows(f'SELECT app_label, model FROM "{schema}".django_content_type')),
        sorted(_rows(f'SELECT ct.app_label, p.codename, p.name FROM "{schema}".auth_permission p '
                     f'JOIN "{schema}".django_content_type ct ON ct.id = p.content_type_id')),
    )


# --- finding what is pending -----------------------------------------------------------------


def test_up_to_date_schemas_are_skipped(tenants, migrated_schemas):
    schemas = tenants(2)
    assert pending_migrations_by_schema([provisioning.TEMPLATE_SCHEMA, *schemas]) == {}

    migrate()

    assert migrated_schemas == {"stock": ["public"], "fast": []}


def test_a_schema_missing_migrations_is_detected(make_tenant):
    # `db` mode: the deletions and the extra schema roll back with the test.
    behind, current = make_tenant().schema_name, make_tenant().schema_name
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{behind}".django_migrations '
                       "WHERE (app, name) IN (('sessions', '0001_initial'), ('authtoken', '0002_auto_20160226_1747'))")
        cursor.execute('CREATE SCHEMA "t_without_migrations_table"')
    assert pending_migrations_by_schema([behind, current, "t_without_migrations_table"]) == {
        behind: frozenset({"sessions.0001_initial", "authtoken.0002_auto_20160226_1747"}),
        "t_without_migrations_table": None,
    }
    assert pending_migrations_by_schema([current]) == {}


def test_a_new_migration_is_detected_in_every_schema(tenants, probe_app):
    schemas = tenants(2)
    probe_app()
    pending = pending_migrations_by_schema([provisioning.TEMPLATE_SCHEMA, *schemas])
    assert pending == dict.fromkeys([provisioning.TEMPLATE_SCHEMA, *schemas], frozenset({"probe_app.0001_initial"}))


# --- the fast path ---------------------------------------------------------------------------


@pytest.mark.parametrize("package", ["migrations", "migrations_two_steps"])
def test_fast_path_gives_the_structure_the_stock_path_gives(tenants, probe_app, migrated_schemas, package):
    fast_one, fast_two, stock_one = tenants(3)
    probe_app(package)

    migrate(schema_name=stock_one)  # `--schema`: Django's migrate in that one schema
    migrate()

    assert migrated_schemas["stock"] == [stock_one, "public", provisioning.TEMPLATE_SCHEMA]
    assert sorted(migrated_schemas["fast"]) == sorted([fast_one, fast_two])
    reference = schema_structure(stock_one)
    # Not vacuous: the probe app's table, indexes and constraints are part of what is compared.
    assert any(row[0] == "probe_app_proberecord" for row in reference["columns"])
    assert any(row[0] == "probe_app_proberecord" for row in reference["indexes"])
    assert any(row[0] == "probe_app_proberecord" for row in reference["constraints"])
    for schema in (fast_one, fast_two, provisioning.TEMPLATE_SCHEMA):
        structure = schema_structure(schema)
        for aspect in reference:
            assert structure[aspect] == reference[aspect], f"{schema}: {aspect} differ"
    for schema in (fast_one, fast_two):
        assert recorded(schema) == recorded(stock_one)
        # post_migrate ran too: the new models have their content types and permissions.
        assert content_types_and_permissions(schema) == content_types_and_permissions(stock_one)
    assert ("probe_app", "proberecord") in content_types_and_permissions(fast_one)[0]
    assert pending_migrations_by_schema([fast_one, fast_two, stock_one]) == {}


def test_new_tenants_after_the_migration_have_it_from_the_pool_or_not(tenants, probe_app):
    tenants(2)
    probe_app()
    migrate()
    assert provisioning.snapshot_is_current()
    print_ = current_fingerprint()
    # The pool was remade from the new snapshot; nothing of the old one is left to hand out.
    assert len(provisioning.pool_schemas(print_)) == provisioning.pool_size()
    assert provisioning.pool_schemas() == provisioning.pool_schemas(print_)
    (from_pool,) = tenants(1)
    assert len(provisioning.pool_schemas(print_)) == provisioning.pool_size() - 1
    provisioning.refresh_schema_pool(size=0)
    (replayed,) = tenants(1)
    template = schema_structure(provisioning.TEMPLATE_SCHEMA)
    for newcomer in (from_pool, replayed):
        assert ("probe_app", "0001_initial") in recorded(newcomer)
        assert schema_structure(newcomer) == template, newcomer


def test_a_failure_in_one_schema_is_rolled_back_and_reported_the_others_proceed(tenants, probe_app):
    first, broken, last = tenants(3)
    with connection.cursor() as cursor:  # a table in the way of the migration's CREATE TABLE
        cursor.execute(f'CREATE TABLE "{broken}".probe_app_probenote (id int)')
    probe_app()

    with pytest.raises(CommandError) as caught:
        migrate()

    assert broken in str(caught.value) and "probe_app_probenote" in str(caught.value)
    assert first not in str(caught.value) and last not in str(caught.value)
    for schema in (first, last):
        assert ("probe_app", "0001_initial") in recorded(schema)
    assert ("probe_app", "0001_initial") not in recorded(broken)
    assert _rows("SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = 'probe_app_proberecord'",
                 [broken]) == [(0,)]
    assert pending_migrations_by_schema([first, broken, last]) == {broken: frozenset({"probe_app.0001_initial"})}


# --- the pool of ready schemas (kept by migrate_schemas) ---------------------------------------


def current_fingerprint() -> str:
    from dangan.tenants.models import SchemaTemplate

    return SchemaTemplate.objects.get(pk=1).fingerprint


def test_migrate_keeps_the_pool_full_and_a_signup_takes_one_schema_from_it(tenants):
    provisioning.refresh_schema_pool(size=0)
    assert provisioning.pool_schemas() == []
    migrate()
    pool = provisioning.pool_schemas(current_fingerprint())
    assert len(pool) == provisioning.pool_size()

    (schema,) = tenants(1)

    left = provisioning.pool_schemas(current_fingerprint())
    assert len(left) == len(pool) - 1 and set(left) < set(pool)
    assert schema_structure(schema) == schema_structure(provisioning.TEMPLATE_SCHEMA)
    assert _rows(f'SELECT count(*) FROM "{schema}".accounts_user') == [(1,)]  # the signup's admin


def test_concurrent_signups_never_share_a_pool_schema(tenants, signup_data):
    import threading

    from django.db import connections

    provisioning.refresh_schema_pool(size=0)
    provisioning.refresh_schema_pool(size=1)  # one ready schema for two signups: one must replay
    barrier = threading.Barrier(2)
    made: list = []

    def attempt() -> None:
        try:
            barrier.wait()
            made.append(tenant_signup(**signup_data()).schema_name)
        except Exception as exc:  # any failure is a bug this test must show
            made.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(name.startswith("t_") for name in made), made
    assert provisioning.pool_schemas() == []
    template = schema_structure(provisioning.TEMPLATE_SCHEMA)
    assert [schema_structure(name) == template for name in made] == [True, True]
    provisioning.refresh_schema_pool()


def test_a_pool_of_an_older_snapshot_is_never_handed_out(tenants):
    provisioning.refresh_schema_pool(size=0)
    provisioning.refresh_schema_pool(size=1)
    (old,) = provisioning.pool_schemas()
    stale = old.replace(current_fingerprint()[:16], "0" * 16)
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{old}" RENAME TO "{stale}"')
    try:
        tenants(1)
        assert provisioning.pool_schemas() == [stale]  # replayed instead
        provisioning.refresh_schema_pool()
        assert stale not in provisioning.pool_schemas()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{stale}" CASCADE')


# --- the stock path --------------------------------------------------------------------------


def test_a_runpython_migration_takes_the_stock_path(tenants, probe_app, migrated_schemas):
    schemas = tenants(2)
    probe_app("migrations_runpython")

    migrate()

    assert migrated_schemas["fast"] == []
    assert sorted(migrated_schemas["stock"]) == sorted(["public", provisioning.TEMPLATE_SCHEMA, *schemas])
    for schema in schemas:
        assert _rows(f'SELECT title FROM "{schema}".probe_app_proberecord') == [("written by RunPython",)]
    assert pending_migrations_by_schema(schemas) == {}


def _migration(*operations, atomic=True):
    migration = migrations.Migration("0009_probe", "probe_app")
    migration.operations = list(operations)
    migration.atomic = atomic
    return [(migration, False)]


def _noop(apps, schema_editor):
    pass


@pytest.mark.parametrize("plan,refused", [
    (_migration(migrations.RunSQL("SELECT 1")), False),
    (_migration(migrations.RunPython(_noop)), True),
    (_migration(migrations.SeparateDatabaseAndState(database_operations=[migrations.RunPython(_noop)])), True),
    (_migration(migrations.RunSQL("SELECT 1"), atomic=False), True),
])
def test_only_atomic_plain_ddl_plans_are_replayed(plan, refused):
    assert (not_plain_ddl_reason(plan) is not None) == refused
