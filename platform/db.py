"""Model instances read and written by SQL kept as text and prepared on the server
(platform/postgresql_backend prepared_cursor), for the rows nearly every request reads or adds;
and tsvector input text, for writers that hand PostgreSQL lexemes as a value (upload starts,
imports and the benches' COPY)."""
from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import connection, models
from django.db.models.signals import post_save, pre_save


def instance_from_row(model, attnames: Sequence[str], row: Sequence, db=connection):
    """What the ORM builds from these columns, read on `db` (a connection): each field's own
    conversion (`from_db_value`: JSON text to values, for one), then `Model.from_db`."""
    fields = [model._meta.get_field(name) for name in attnames]
    values = [field.from_db_value(value, None, db) if hasattr(field, "from_db_value") and value is not None
              else value for field, value in zip(fields, row)]
    return model.from_db(db.alias, list(attnames), values)


def instance_where(model, column: str, value, *, flag: str | None = None):
    """`model.objects.filter(<column>=value[, <flag>=True]).first()` for a unique column, as one
    prepared SELECT of SQL built once: the ORM compiled the same query on every call (~0.3 ms of
    CPU against ~0.1 here). None when no row matches."""
    sql, attnames = _select_where(model, column, flag)
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    return None if row is None else instance_from_row(model, attnames, row)


@functools.cache
def _select_where(model, column: str, flag: str | None) -> tuple[str, list[str]]:
    meta, quote = model._meta, connection.ops.quote_name
    fields = meta.concrete_fields
    condition = f"{quote(meta.get_field(flag).column)} AND " if flag else ""
    return (f"SELECT {', '.join(quote(field.column) for field in fields)} FROM {quote(meta.db_table)} "
            f"WHERE {condition}{quote(meta.get_field(column).column)} = %s LIMIT 1",
            [field.attname for field in fields])


def instance_with_related(model, pk, *, related: tuple[str, ...], lock_of: tuple[str, ...] | None = None):
    """`model.objects.select_related(*related).get(pk=pk)` for direct foreign keys — with
    `select_for_update(of=("self", *lock_of))` when `lock_of` is given — as one prepared
    SELECT of SQL built once. The related instances are cached on the instance as the ORM
    caches them (`instance.<name>` reads no more). None when no row matches.
    The locked read of every upload completion compiled this join through the ORM each time
    (~1 ms of CPU, a tenth of the call)."""
    sql, layout = _select_with_related(model, tuple(related), None if lock_of is None else tuple(lock_of))
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    (_, attnames, start, stop, _), *joined = layout
    instance = instance_from_row(model, attnames, row[start:stop])
    for field, attnames, start, stop, pk_index in joined:
        values = row[start:stop]
        # A LEFT JOIN that found nothing: every column NULL, the primary key among them.
        related_instance = (None if values[pk_index] is None
                            else instance_from_row(field.related_model, attnames, values))
        field.set_cached_value(instance, related_instance)
    return instance


@functools.cache
def _select_with_related(model, related: tuple[str, ...], lock_of: tuple[str, ...] | None):
    """The SQL of instance_with_related and, per model read, (its foreign key — None for `model`
    itself —, attnames, first column, end, index of the primary key among them). Columns in
    `concrete_fields` order, as Model.from_db takes them."""
    meta, quote = model._meta, connection.ops.quote_name
    layout, columns, joins = [], [], []

    def read(alias: str, key, target) -> None:
        fields = target._meta.concrete_fields
        layout.append((key, [field.attname for field in fields], len(columns), len(columns) + len(fields),
                       fields.index(target._meta.pk)))
        columns.extend(f"{alias}.{quote(field.column)}" for field in fields)

    read("t0", None, model)
    aliases = {}
    for index, name in enumerate(related, start=1):
        field = meta.get_field(name)
        if not (field.many_to_one and field.concrete):
            raise TypeError(f"{model.__name__}.{name} is not a foreign key")
        target, alias = field.related_model, f"t{index}"
        aliases[name] = alias
        if lock_of and name in lock_of and field.null:
            raise TypeError(f"{model.__name__}.{name}: PostgreSQL locks no nullable side of an outer join")
        joins.append(f"{'LEFT OUTER' if field.null else 'INNER'} JOIN {quote(target._meta.db_table)} {alias} "
                     f"ON {alias}.{quote(field.target_field.column)} = t0.{quote(field.column)}")
        read(alias, field, target)
    sql = (f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} t0 {' '.join(joins)} "
           f"WHERE t0.{quote(meta.pk.column)} = %s")
    if lock_of is not None:
        sql += " FOR UPDATE OF " + ", ".join(["t0", *(aliases[name] for name in lock_of)])
    return sql, layout


def insert_instance(instance) -> None:
    """`instance.save()` of a new row as one prepared INSERT of SQL built once per model: each
    field's `pre_save` (auto_now_add, auto_now) and database preparation as the ORM runs them,
    the primary key read back, the instance then saved as far as the ORM can tell. The ORM
    compiled the INSERT again on every call (~0.4 ms of CPU per row against ~0.1 here); this is
    for rows that requests add on every call (query-log records, upload versions).
    Refused (TypeError) where save() would do more or otherwise: an instance with a primary key,
    a model with its own save(), pre/post_save receivers, inherited tables or database defaults,
    or a field holding an expression."""
    model = type(instance)
    if instance.pk is not None:  # save() would write the row with that key (or update it)
        raise TypeError(f"this {model.__name__} has a primary key already: use save()")
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"{model.__name__} has pre/post_save receivers: use save()")
    sql, fields = _insert_into(model)
    values = []
    for field in fields:
        value = field.pre_save(instance, True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{model.__name__}.{field.name} holds an expression: use save()")
        values.append(field.get_db_prep_save(value, connection))
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


@functools.cache
def _insert_into(model) -> tuple[str, list]:
    meta, quote = model._meta, connection.ops.quote_name
    if model.save is not models.Model.save:
        raise TypeError(f"{model.__name__} has a save() of its own: use save()")
    if meta.parents:
        raise TypeError(f"{model.__name__} inherits a table: use save()")
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if any(field.has_db_default() or field.generated for field in fields):
        raise TypeError(f"{model.__name__} has database defaults or generated fields: use save()")
    return (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}", fields)


def tsvector_literal(tokens: list[str]) -> str:
    """tsvector input text whose lexemes are the tokens verbatim, as array_to_tsvector() makes
    them (quoted lexemes are not parsed; quotes and backslashes are doubled). Order and repeats
    do not matter: the input is sorted and made unique by PostgreSQL."""
    raw = "".join(tokens)
    if "'" not in raw and "\\" not in raw:  # the usual case: no escaping needed
        return "'" + "' '".join(tokens) + "'" if tokens else ""
    return " ".join("'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in tokens)
