"""The fast provisioning path yields exactly what running every migration yields."""
import pytest
from django.core.management import call_command
from django.db import connection

from dangan.platform.errors import ApplicationError
from dangan.tenants import provisioning
from dangan.tenants.models import SchemaTemplate, Tenant


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return [tuple(row) for row in cursor.fetchall()]


def schema_structure(schema: str) -> dict:
    """Everything structural about a schema, with its own name replaced by a marker."""

    def norm(value):
        return value.replace(f'"{schema}".', "S.").replace(f"{schema}.", "S.") if isinstance(value, str) else value

    def normalized(rows):
        return sorted(tuple(norm(v) for v in row) for row in rows)

    return {
        "columns": normalized(_rows(
            # Column order, not attnum: a migrated table keeps gaps where a migration dropped a
            # column (contenttypes 0002 drops `name`); a replayed one numbers its columns densely.
            "SELECT table_name, column_name,"
            " row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position), data_type, udt_name, character_maximum_length,"
            " numeric_precision, numeric_scale, is_nullable, column_default, is_identity, identity_generation"
            " FROM information_schema.columns WHERE table_schema = %s", [schema])),
        "tables": normalized(_rows(
            "SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s", [schema])),
        "indexes": normalized(_rows("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [schema])),
        "constraints": normalized(_rows(
            "SELECT cl.relname, con.conname, con.contype, pg_get_constraintdef(con.oid), con.condeferrable,"
            " con.condeferred FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid"
            " JOIN pg_namespace n ON n.oid = con.connamespace WHERE n.nspname = %s", [schema])),
        "sequences": normalized(_rows(
            "SELECT sequencename, data_type, start_value, increment_by, min_value, max_value, cycle, last_value"
            " FROM pg_sequences WHERE schemaname = %s", [schema])),
        "triggers": normalized(_rows(
            "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal", [schema])),
        "migrations": sorted(_rows(f'SELECT app, name FROM "{schema}".django_migrations')),
        "content_types": sorted(_rows(f'SELECT id, app_label, model FROM "{schema}".django_content_type')),
        "permissions": sorted(_rows(f'SELECT id, content_type_id, codename FROM "{schema}".auth_permission')),
    }


@pytest.fixture
def migrated_reference_schema(db):
    """A schema made the slow way: every migration run by django-tenants' migrate."""
    name = "t_reference_migrated"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    return name


def test_provisioned_schema_is_structurally_identical_to_a_migrated_one(migrated_reference_schema):
    # The provisioning step alone: signup then adds its seed rows (admin user, groups).
    provisioning.create_schema_from_template("t_reference_provisioned")
    provisioned = schema_structure("t_reference_provisioned")
    migrated = schema_structure(migrated_reference_schema)
    assert provisioned["columns"], "the comparison must see the schema's tables"
    assert provisioned["migrations"] and provisioned["content_types"] and provisioned["permissions"]
    for aspect in migrated:
        assert provisioned[aspect] == migrated[aspect], f"{aspect} differ"


def test_comparison_notices_a_difference(make_tenant, migrated_reference_schema):
    """The structural comparison above is not vacuous: one extra index is seen."""
    tenant = make_tenant()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE INDEX extra_idx ON "{tenant.schema_name}".accounts_user (full_name)')
    assert schema_structure(tenant.schema_name)["indexes"] != schema_structure(migrated_reference_schema)["indexes"]


def test_provisioned_sequences_start_fresh_whatever_the_template_saw(make_tenant):
    first = make_tenant()
    second = make_tenant()
    from dangan.accounts.models import User
    from django_tenants.utils import schema_context

    for tenant in (first, second):
        with schema_context(tenant.schema_name):
            assert list(User.objects.values_list("pk", flat=True)) == [1]


def test_signup_refuses_cleanly_when_the_template_is_outdated(db, signup_data):
    SchemaTemplate.objects.filter(pk=1).update(fingerprint="stale")
    data = signup_data()
    with pytest.raises(ApplicationError) as caught:
        from dangan.tenants.services import tenant_signup

        tenant_signup(**data)
    assert caught.value.code == "provisioning_not_ready" and caught.value.status == 503
    assert not Tenant.objects.filter(slug=data["slug"]).exists()


@pytest.mark.django_db
def test_stored_ddl_uses_only_the_placeholder():
    ddl = SchemaTemplate.objects.get(pk=1).ddl
    assert provisioning.PLACEHOLDER in ddl
    assert provisioning.TEMPLATE_SCHEMA not in ddl
    assert "CREATE TABLE" in ddl and "django_migrations" in ddl


@pytest.mark.parametrize("name", ["public", provisioning.TEMPLATE_SCHEMA, "bad name", "x; drop"])
def test_drop_schema_refuses_protected_or_unsafe_names(name):
    with pytest.raises(ValueError):
        provisioning.drop_schema(name)
