"""Database-level protection with django-pgtrigger, shaped for one schema per company.

pgtrigger creates a trigger's function unqualified, so in a company's migration it would land
in that company's schema. Provisioning (tenants/provisioning.py) hands out ready-made schemas
by renaming them, and refuses to pool schemas whose DDL defines functions (a function body is
text and would keep the old schema's name). These functions name no schema in their bodies,
so each is created once in `PGTRIGGER_SCHEMA` (public), next to pgtrigger's own
`_pgtrigger_should_ignore`; the triggers themselves are per table, hence per company schema,
and are replayed by provisioning like any other DDL. The function name is derived from the
table name, which is the same in every company, and its body is identical: each company's
migration replaces it with itself.
"""
from __future__ import annotations

import pgtrigger
from pgtrigger import compiler, features, utils


def _function_schema() -> str:
    return utils.quote(features.schema())


class SharedFunctionUpsertSql(compiler.UpsertTriggerSql):
    """pgtrigger's install template (v1), with the trigger function qualified by the shared
    schema. Referenced by migrations: never change this template in place."""

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {ignore_func_name}(
                trigger_name NAME
            )
            RETURNS BOOLEAN AS $$
                DECLARE
                    _pgtrigger_ignore TEXT[];
                    _result BOOLEAN;
                BEGIN
                    BEGIN
                        SELECT INTO _pgtrigger_ignore
                            CURRENT_SETTING('pgtrigger.ignore');
                        EXCEPTION WHEN OTHERS THEN
                    END;
                    IF _pgtrigger_ignore IS NOT NULL THEN
                        SELECT trigger_name = ANY(_pgtrigger_ignore)
                        INTO _result;
                        RETURN _result;
                    ELSE
                        RETURN FALSE;
                    END IF;
                END;
            $$ LANGUAGE plpgsql;

            CREATE OR REPLACE FUNCTION {execute}
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    IF ({ignore_func_name}(TG_NAME) IS TRUE) THEN
                        IF (TG_OP = 'DELETE') THEN
                            RETURN OLD;
                        ELSE
                            RETURN NEW;
                        END IF;
                    END IF;
                    {func}
                END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """


class SharedFunctionTrigger(pgtrigger.Trigger):
    """A pgtrigger Trigger whose function lives in the shared schema (see the module docstring)."""

    def render_execute(self, model) -> str:
        return f"{_function_schema()}.{self.get_pgid(model)}()"

    def compile(self, model) -> compiler.Trigger:
        compiled = super().compile(model)
        return compiler.Trigger(name=compiled.name, sql=SharedFunctionUpsertSql(**compiled.sql.kwargs))


class ProtectRows(SharedFunctionTrigger):
    """Refuse UPDATE or DELETE of any row (append-only tables)."""

    when = pgtrigger.Before
    level = pgtrigger.Row

    def get_func(self, model) -> str:
        return ("RAISE EXCEPTION 'dangan: % is append-only; % refused', TG_TABLE_NAME, TG_OP "
                "USING ERRCODE = 'insufficient_privilege';")


class ProtectTruncate(SharedFunctionTrigger):
    """Refuse TRUNCATE (a statement-level event row triggers never see)."""

    when = pgtrigger.Before
    level = pgtrigger.Statement
    operation = pgtrigger.Truncate

    def get_func(self, model) -> str:
        return ("RAISE EXCEPTION 'dangan: % is append-only; TRUNCATE refused', TG_TABLE_NAME "
                "USING ERRCODE = 'insufficient_privilege';")
