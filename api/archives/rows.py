"""Pages read as `.values()` rows and rendered without model instances.

A 50-row customer page used to build ~220 model instances (each file, its category, owner and
department from the join, the terms fetched afterwards) only to read a few attributes back off
them: `Model.from_db` and `__init__` alone were a quarter of the request's CPU. Here an output
serializer is compiled once into the columns it reads and a function that builds, from one
`.values()` row, the same dict `serializer(instance).data` gives:

- a model field: its column, converted by the field's own `to_representation` (skipped where
  that returns a database value of its type unchanged: text, choices, integers, booleans, JSON);
- a nested serializer on a foreign key: the related columns through the join
  (`owner__full_name`), or, for keys the selector fetches rather than joins (CustomerQuerySet.
  fetch_related has the reason), the key alone and one `WHERE id IN (…)` query per related
  table after the page is read; None where the key is null, as in DRF;
- a list of nested rows (a file's contacts): rows the caller reads with one query for the whole
  page and hands in by parent id.

Anything else (methods, dotted sources, lists not named as children) is refused when compiling,
so a new output field cannot silently render differently from its serializer;
tests/api/archives/test_rows.py compares both renderings field by field.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import cache
from operator import itemgetter

import psycopg
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import ForeignKey, lookups
from django.db.models.query import ValuesIterable
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.relations import PrimaryKeyRelatedField

TIME_ZONE = object()  # key of the current time zone in a page's `found`

# to_representation implementations that hand back a database value of their type unchanged.
_UNCHANGED = {drf_fields.CharField.to_representation, drf_fields.IntegerField.to_representation,
              drf_fields.BooleanField.to_representation, drf_fields.ChoiceField.to_representation}


def _converter(field) -> Callable | None:
    """None when `field.to_representation(value)` is `value` for the values its column holds."""
    method = type(field).to_representation
    if method in _UNCHANGED:
        return None
    if method is drf_fields.BigIntegerField.to_representation and not getattr(
            field, "coerce_to_string", drf_fields.api_settings.COERCE_BIGINT_TO_STRING):
        return None
    if method is drf_fields.JSONField.to_representation and not field.binary:
        return None
    if method is drf_fields.DateField.to_representation and _iso(field, "DATE_FORMAT"):
        return _date
    return field.to_representation


def _iso(field, setting: str) -> bool:
    output_format = getattr(field, "format", getattr(drf_fields.api_settings, setting))
    return isinstance(output_format, str) and output_format.lower() == drf_fields.ISO_8601


def _plain_datetime(field) -> bool:
    """Whether DateTimeField.to_representation is `value.astimezone(current zone).isoformat()`
    (…Z for UTC) for the aware datetimes a USE_TZ database hands back."""
    return (type(field).to_representation is drf_fields.DateTimeField.to_representation
            and _iso(field, "DATETIME_FORMAT") and not hasattr(field, "timezone") and settings.USE_TZ)


def _date(value):
    return value if isinstance(value, str) else value.isoformat()


class Plan:
    """How one serializer's output is read (`columns`) and built (`render`)."""

    def __init__(self, serializer, model, *, fetched: Iterable[str] = (), children: Iterable[str] = (),
                 prefix: str = ""):
        self.columns: list[str] = []
        # (related model, nested serializer class) → (nested plan, key columns): one query each
        self.fetches: dict[tuple, tuple[Plan, list[str]]] = {}
        self.children: list[str] = []
        fetched, children = set(fetched), set(children)
        steps = []
        # (name, column) per step: the column that is the output value as it is, else None
        self._sources: list[tuple[str, str | None]] = []
        for field in serializer._readable_fields:
            name, attrs = field.field_name, field.source_attrs
            if name in children:
                if not isinstance(field, serializers.ListSerializer):
                    raise TypeError(f"{name}: a child list must be a many=True serializer")
                self.children.append(name)
                steps.append(self._child_step(name))
                self._sources.append((name, None))
                continue
            model_field = _model_field(model, attrs)
            if model_field is None:
                raise TypeError(f"{type(serializer).__name__}.{name}: source {field.source!r} is no model field")
            if isinstance(field, serializers.Serializer):
                if not isinstance(model_field, ForeignKey):
                    raise TypeError(f"{name}: a nested object must hang off a foreign key")
                column = prefix + model_field.attname
                self.columns.append(column)
                related = model_field.related_model
                if name in fetched:
                    fetch = (related, type(field))
                    _, keys = self.fetches.setdefault(fetch, (Plan(field, related), []))
                    keys.append(column)
                    steps.append(self._fetched_step(name, column, fetch))
                else:
                    plan = Plan(field, related, prefix=f"{prefix}{model_field.name}__")
                    self.columns.extend(plan.columns)
                    steps.append(self._joined_step(name, column, plan))
                self._sources.append((name, None))
            elif isinstance(field, serializers.BaseSerializer):
                raise TypeError(f"{name}: lists of rows are rendered as children")
            else:
                if model_field.is_relation and not (isinstance(field, PrimaryKeyRelatedField)
                                                    or attrs[0] == model_field.attname):
                    raise TypeError(f"{name}: a related object needs a nested serializer")
                column = prefix + (model_field.attname if model_field.is_relation else model_field.name)
                self.columns.append(column)
                convert = None if isinstance(field, PrimaryKeyRelatedField) else _converter(field)
                if _plain_datetime(field):
                    steps.append(self._datetime_step(name, column, field))
                    self._sources.append((name, None))
                else:
                    steps.append(self._value_step(name, column, convert))
                    self._sources.append((name, column if convert is None else None))
        self.columns = list(dict.fromkeys(self.columns))
        # A row is built in two passes: every output name at once from its column (C code:
        # itemgetter, zip, dict), then the steps that compute a value (nested rows, converted
        # values, times) overwrite their names in place, which keeps the serializer's key order.
        # A Python call per plain value cost ~2% of a list request's CPU (A/B, 50-row page).
        self._names = tuple(name for name, _ in steps)
        self._getter = _row_getter([column for _, column in self._sources], self.columns)
        self._computed = [(name, get) for (name, get), (_, column) in zip(steps, self._sources) if column is None]

    # Each step is (name, function of (row, found, children)) — built once per plan.
    @staticmethod
    def _value_step(name, column, convert):
        if convert is None:
            return name, lambda row, found, children: row[column]
        return name, lambda row, found, children: None if (value := row[column]) is None else convert(value)

    @staticmethod
    def _datetime_step(name, column, field):
        # DateTimeField.to_representation without its per-value lookups: the time zone is read
        # once per page (`found[TIME_ZONE]`), not once per value.
        def get(row, found, children):
            value = row[column]
            if not isinstance(value, dt.datetime) or value.tzinfo is None:
                return None if value is None else field.to_representation(value)
            text = value.astimezone(found[TIME_ZONE]).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return name, get

    @staticmethod
    def _joined_step(name, column, plan):
        return name, lambda row, found, children: None if row[column] is None else plan.render(row, found)

    @staticmethod
    def _fetched_step(name, column, fetch):
        return name, lambda row, found, children: None if (key := row[column]) is None else found[fetch].get(key)

    @staticmethod
    def _child_step(name):
        return name, lambda row, found, children: children[name]

    def render(self, row: dict, found: dict | None = None, children: dict | None = None) -> dict:
        if found is None:
            found = {TIME_ZONE: timezone.get_current_timezone()}
        rendered = dict(zip(self._names, self._getter(row)))
        for name, get in self._computed:
            rendered[name] = get(row, found, children)
        return rendered

    def fetch(self, rows: list[dict]) -> dict:
        """{(related model, serializer class): {key: rendered nested row}} for the fetched keys of
        `rows` (and the current time zone, under TIME_ZONE)."""
        found: dict = {TIME_ZONE: timezone.get_current_timezone()}
        for (related, serializer_class), (plan, keys) in self.fetches.items():
            wanted = {row[key] for row in rows for key in keys} - {None}
            target = related._meta.pk.attname
            found[related, serializer_class] = {values[target]: plan.render(values, found) for values in _by_keys(
                related, tuple(dict.fromkeys([target, *plan.columns])), wanted)} if wanted else {}
        return found

    def render_page(self, rows: list[dict], children: Callable[[dict], dict] | None = None) -> list[dict]:
        found = self.fetch(rows)
        if children is None:
            return [self.render(row, found) for row in rows]
        return [self.render(row, found, children(row)) for row in rows]


def _row_getter(sources: list[str | None], columns: list[str]) -> Callable[[dict], tuple]:
    """row → one value per output name: the row's value of its column, or, where the value is
    computed (None in `sources`), any column's value as a placeholder."""
    if not columns or not sources:
        width = len(sources)
        return lambda row: (None,) * width
    getter = itemgetter(*(column or columns[0] for column in sources))
    return getter if len(sources) > 1 else (lambda row: (getter(row),))


def _by_keys(model, columns: tuple[str, ...], keys: set) -> Iterable[dict]:
    """`model._base_manager.filter(pk__in=keys).order_by().values(*columns)`, from SQL compiled once."""
    statement = _by_keys_statement(model, columns)
    if statement is None:
        return model._base_manager.filter(pk__in=keys).order_by().values(*columns)
    alias, sql, names = statement
    with connections[alias].prepared_cursor() as cursor:  # one statement per table and columns
        load_timestamps_in_c(cursor)
        cursor.execute(sql, [list(keys)])
        return [dict(zip(names, row)) for row in cursor.fetchall()]


@cache
def _by_keys_statement(model, columns: tuple[str, ...]):
    """(alias, SQL, names) of _by_keys: the columns' SELECT compiled by the ORM, then
    `WHERE <pk> = ANY(%s)` — one parameter whatever the number of keys, where `pk__in` makes
    SQL of its own for each number. None (the ORM every time) unless that SELECT is plain:
    no conditions, parameters, ordering, limits or converted values."""
    queryset = model._base_manager.order_by().values(*columns)
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    if (params or query.where or query.is_sliced or query.distinct or query.group_by is not None
            or compiler.has_extra_select or " WHERE " in sql or " ORDER BY " in sql
            or compiler.get_converters([column[0] for column in compiler.select[:compiler.col_count]])):
        return None
    quote = connections[queryset.db].ops.quote_name
    names = list(query.selected) if query.selected else [*query.extra_select, *query.values_select,
                                                          *query.annotation_select]
    return queryset.db, f"{sql} WHERE {quote(model._meta.db_table)}.{quote(model._meta.pk.column)} = ANY(%s)", names


def _model_field(model, attrs: list[str]):
    if len(attrs) != 1:
        return None
    try:
        field = model._meta.get_field(attrs[0])
    except Exception:  # FieldDoesNotExist
        return None
    return field if field.concrete else None


@cache
def plan_for(serializer_class, *, fetched: tuple[str, ...] = (), children: tuple[str, ...] = ()) -> Plan:
    """The compiled plan of `serializer_class` (its fields are built once: rendering keeps no
    state in them)."""
    serializer = serializer_class()
    return Plan(serializer, serializer.Meta.model, fetched=fetched, children=children)


def rendered_by(rows: Iterable[dict], key: str, plan: Plan) -> dict:
    """{row[key]: [plan.render(row), …]} in the rows' order: children grouped by parent."""
    grouped: dict = {}
    found = {TIME_ZONE: timezone.get_current_timezone()}
    for row in rows:
        grouped.setdefault(row[key], []).append(plan.render(row, found))
    return grouped


# --------------------------------------------------------------------------------------------
# Page SQL compiled once per shape.

_STATEMENTS: dict = {}
_STATEMENTS_MAX = 1000
_UNPREPARED = object()  # this shape is always read through the ORM (see _statement)
# Lookups whose value is one parameter converted by the field (FieldGetDbPrepValueMixin), whatever
# it is: the integer variants (IntegerLessThan …) can turn an out-of-range value into different SQL.
_POSITION_LOOKUPS = (lookups.LessThan, lookups.LessThanOrEqual, lookups.GreaterThan, lookups.GreaterThanOrEqual,
                     lookups.Exact)  # exact: a filter whose value is a parameter too (a trace's batch)
_AMBIGUOUS = object()  # this read's values have no single place in the SQL: the ORM, this time only


class PreparedValues:
    """`build()` (a `.values()` queryset) as a paginator uses it — `order_by`, `filter` by its
    position, a slice, `list()` — with the SQL of each shape compiled once.

    Building and compiling a list page's query through the ORM (the viewer's scope with its
    confidentiality subqueries, joined and selected columns, ordering, position) was ~2.5 ms of
    every list request's CPU; PostgreSQL spent less running it. The calls are recorded here
    instead, and the first time a shape is read — `key` (everything its SQL depends on besides
    the recorded calls: the caller's promise) with the names of the calls — the real queryset is
    built and read through the ORM, and its SQL, parameters and column names are kept. Later
    reads of that shape execute the kept SQL with the position put in its place, converted by
    the field's own lookup as the ORM converts it, and build the same dicts as `.values()`.
    Nothing but SQL text is kept: every request reads the database, with its own position.
    `key=None` is the ORM every time. `server_prepared`: the kept SQL runs as a statement
    PostgreSQL prepares (DatabaseWrapper.prepared_cursor), for shapes whose plan does not
    depend on the values (no search text). Shapes whose rows the ORM would convert (from_db_value),
    whose SQL has no single place for the position, or that filter in other ways, always go
    through the ORM.
    """

    def __init__(self, model, build: Callable, key, steps: tuple = (), *, server_prepared: bool = False):
        self._model, self._build, self._key, self._steps = model, build, key, steps
        self._server_prepared = server_prepared

    def _then(self, step) -> PreparedValues:
        return PreparedValues(self._model, self._build, self._key, (*self._steps, step),
                              server_prepared=self._server_prepared)

    def order_by(self, *names: str) -> PreparedValues:
        return self._then(("order_by", names, None))

    def filter(self, **kwargs) -> PreparedValues:
        # Converted now, as QuerySet.filter converts it: a malformed position fails here, the same way.
        converted = _position_value(self._model, *next(iter(kwargs.items()))) if len(kwargs) == 1 else _UNPREPARED
        return self._then(("filter", tuple(sorted(kwargs)), (kwargs, converted)))

    def __getitem__(self, bounds):
        if not isinstance(bounds, slice) or bounds.step is not None:
            raise TypeError("PreparedValues takes a plain slice")
        return self._then(("slice", (bounds.start, bounds.stop), None))

    def __iter__(self):
        return iter(self._rows())

    def queryset(self):
        """The real queryset: `build()` with the recorded calls, given the original values."""
        queryset = self._build()
        for kind, name, value in self._steps:
            if kind == "order_by":
                queryset = queryset.order_by(*name)
            elif kind == "slice":
                queryset = queryset[name[0]:name[1]]
            else:
                queryset = queryset.filter(**value[0])
        return queryset

    def _rows(self) -> list[dict]:
        if self._key is None:
            return list(self.queryset())
        shape = (self._key, tuple((kind, name) for kind, name, _ in self._steps))
        statement = _STATEMENTS.get(shape)
        if statement is None:
            queryset = self.queryset()
            statement = _statement(queryset, [value[1] for _, _, value in self._steps if value is not None])
            if statement is not _AMBIGUOUS:  # another read of this shape may well place its values
                if len(_STATEMENTS) >= _STATEMENTS_MAX:
                    _STATEMENTS.clear()
                _STATEMENTS[shape] = statement
            return list(queryset)
        if statement is _UNPREPARED:
            return list(self.queryset())
        alias, sql, params, slots, names, width = statement
        params = list(params)
        for slot, (_, _, value) in zip(slots, (step for step in self._steps if step[2] is not None)):
            params[slot] = value[1]
        connection = connections[alias]
        with connection.prepared_cursor() if self._server_prepared else connection.cursor() as cursor:
            load_timestamps_in_c(cursor)
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [dict(zip(names, row if width is None else row[:width])) for row in rows]


# psycopg's own (C) loader for timestamptz text. Django registers a Python subclass of psycopg's
# Python loader on every connection, only to put its own tzinfo object on the values: ~5 µs a
# value, ~100 values a list page (~0.5 ms of its CPU). The C loader reads the same instants, with
# the session's zone (Django sets UTC) as tzinfo; the rows read here are only rendered
# (astimezone, then ISO text) and paginated (str of the position), where both read alike.
TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
_C_TIMESTAMPTZ = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)


def load_timestamps_in_c(cursor) -> None:
    """On this Django cursor only: timestamptz values by psycopg's C loader (see above)."""
    if getattr(_C_TIMESTAMPTZ, "__module__", "").startswith("psycopg_binary") and settings.USE_TZ:
        cursor.cursor.adapters.register_loader(TIMESTAMPTZ_OID, _C_TIMESTAMPTZ)


def _position_value(model, name: str, value):
    """The parameter the ORM passes for `filter(**{name: value})`, or _UNPREPARED."""
    field_name, _, lookup_name = name.partition("__")
    lookup_name = lookup_name or "exact"
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # FieldDoesNotExist: the ORM says so when it builds the real queryset
        return _UNPREPARED
    lookup_class = field.get_lookup(lookup_name) if field.concrete and not field.is_relation else None
    if lookup_class not in _POSITION_LOOKUPS or hasattr(value, "resolve_expression"):
        return _UNPREPARED
    lookup = lookup_class(field.get_col(model._meta.db_table), value)  # prepares it: get_prep_value
    return lookup.get_db_prep_lookup(lookup.rhs, connections[DEFAULT_DB_ALIAS])[1][0]


def _statement(queryset, values: list):
    """(alias, sql, params, the index in params of each position value, names, row width) of a
    `.values()` queryset; _UNPREPARED when its rows cannot be read from the kept SQL alone,
    _AMBIGUOUS when these values cannot be told apart from the other parameters."""
    query = queryset.query
    if any(value is _UNPREPARED for value in values) or queryset._iterable_class is not ValuesIterable:
        return _UNPREPARED
    compiler = query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _UNPREPARED
    if compiler.get_converters([column[0] for column in compiler.select[:compiler.col_count]]):
        return _UNPREPARED
    params, slots = tuple(params), []
    for converted in values:
        found = [index for index, param in enumerate(params)
                 if type(param) is type(converted) and param == converted and index not in slots]
        if len(found) != 1:
            return _AMBIGUOUS  # no single place to put it: the same value twice, or none
        slots.append(found[0])
    names = list(query.selected) if query.selected else [*query.extra_select, *query.values_select,
                                                          *query.annotation_select]
    return queryset.db, sql, params, slots, names, compiler.col_count if compiler.has_extra_select else None
