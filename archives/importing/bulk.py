"""Set-based writes of the bulk import path: COPY into tables, ids handed out in one query,
archive numbers for a whole chunk in one statement.

COPY rather than bulk_create: a customer row has ~50 columns, and building and binding an
INSERT with 50,000 parameters per chunk cost more than validating the rows. Values are written
as the model's fields would store them (defaults and auto_now filled in here).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections import defaultdict
from typing import Iterable

from django.db import connection, models
from django.utils import timezone

from .. import numbering


def allocate_ids(model, count: int) -> list[int]:
    """`count` fresh primary keys from the table's own sequence (identity or serial)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [table, model._meta.pk.column, count])
        return [row[0] for row in cursor.fetchall()]


class CopyWriter:
    """COPY rows (dicts of attname → value) into a model's table. Missing values get the field's
    default; auto_now / auto_now_add fields get `now`. The primary key is written only when the
    rows carry it."""

    def __init__(self, model, *, with_pk: bool) -> None:
        self.model = model
        # Generated columns are the database's to compute, and so are defaults only it knows.
        self.fields = [f for f in model._meta.concrete_fields
                       if (with_pk or not f.primary_key) and not getattr(f, "generated", False)
                       and not (f.has_db_default() and not f.has_default())]
        self.columns = [f.column for f in self.fields]
        # A row is laid over the defaults and read back in column order by C-level dict and
        # itemgetter operations: a Python loop over ~50 columns per row cost more than COPY.
        # Rows may share a default object (even a callable default's dict): each row is
        # serialised at once.
        self._template = {f.attname: self._default(f) for f in self.fields}
        self._ordered = operator.itemgetter(*self._template)
        # Only JSON needs converting: to its text, as Django's adaptation would have psycopg
        # write it (json.dumps with the field's encoder; COPY reads the column's text form).
        # Going through get_db_prep_save cost more per row than the rest of a row's writing.
        self._json = [(index, functools.partial(json.dumps, cls=f.encoder) if f.encoder else json.dumps)
                      for index, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        # The text of a JSON column a row leaves at its default (the very object in the
        # template) or sets to {}, written once rather than dumped per row.
        defaults = list(self._template.values())
        self._json_known = {index: (defaults[index], dumps(defaults[index]), dumps({})) for index, dumps in self._json}
        self._now = [index for index, f in enumerate(self.fields)
                     if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]

    @staticmethod
    def _default(field):
        if field.has_default():
            return field.get_default()
        if isinstance(field, (models.CharField, models.TextField)) and not field.null:
            return ""
        return None

    def write(self, rows: Iterable[dict], now: dt.datetime | None = None) -> None:
        if isinstance(rows, list) and not rows:
            return
        now = now or timezone.now()
        template, ordered, json_fields, now_fields = self._template, self._ordered, self._json, self._now
        known = self._json_known
        columns = ", ".join('"' + column + '"' for column in self.columns)
        sql = f'COPY "{self.model._meta.db_table}" ({columns}) FROM STDIN'
        # The raw psycopg cursor (COPY is not in Django's cursor API): its errors are translated
        # into django.db's, which callers catch like any other database error.
        with connection.cursor() as cursor, connection.wrap_database_errors:
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    values = list(ordered({**template, **row}))
                    for index, dumps in json_fields:
                        value = values[index]
                        if value is not None:
                            default, default_text, empty_text = known[index]
                            if value is default:
                                values[index] = default_text
                            elif type(value) is dict and not value:
                                values[index] = empty_text
                            else:
                                values[index] = dumps(value)
                    for index in now_fields:
                        if values[index] is None:
                            values[index] = now
                    copy.write_row(values)


def scope_and_values(category, region, department, today: dt.date) -> tuple[str, dict[str, str]]:
    """archives.numbering.next_archive_number's scope (the pattern rendered without {seq})."""
    values = numbering._values(category, region, department, today)
    scope = numbering.TOKEN.sub(lambda m: "{seq}" if m.group(1) == "seq" else values[m.group(1)],
                                category.numbering_pattern)
    return scope, values


def render_number(pattern: str, values: dict[str, str], seq: int) -> str:
    def render(match):
        name, width = match.group(1), match.group(2)
        if name == "seq":
            return str(seq).zfill(int(width)) if width else str(seq)
        return values[name]

    return numbering.TOKEN.sub(render, pattern)


def number_renderer(pattern: str, values: dict[str, str]):
    """render_number(pattern, values, ·) for one scope, the pattern split once: the text around
    the sequence token(s) fixed, each sequence token a zero-fill width (0: none)."""
    parts: list[str | int] = []
    last = 0
    for match in numbering.TOKEN.finditer(pattern):
        parts.append(pattern[last:match.start()])
        name, width = match.group(1), match.group(2)
        parts.append(int(width or 0) if name == "seq" else values[name])
        last = match.end()
    parts.append(pattern[last:])

    def render(seq: int) -> str:
        text = str(seq)
        return "".join(text.zfill(part) if isinstance(part, int) else part for part in parts)

    return render


def take_archive_numbers(requests: list[tuple], today: dt.date | None = None) -> list[str]:
    """Archive numbers for (category, region, department) requests, in order, with one UPDATE of
    archives_numbersequence for the chunk: each scope advances by the count it needs, exactly as
    that many next_archive_number() calls would (gap-free, rolled back with the transaction).
    Scopes are locked in sorted order so that concurrent importers cannot deadlock."""
    today = today or dt.date.today()
    planned: list[tuple[str, object]] = []
    counts: dict[str, int] = defaultdict(int)
    scoped: dict[tuple, tuple[str, object]] = {}  # a chunk has a few dozen distinct requests
    for category, region, department in requests:
        key = (category.pk, category.code, category.numbering_pattern, getattr(region, "code", None),
               getattr(department, "code", None))
        found = scoped.get(key)
        if found is None:
            scope, values = scope_and_values(category, region, department, today)
            found = scoped[key] = (scope, number_renderer(category.numbering_pattern, values))
        planned.append(found)
        counts[found[0]] += 1
    if not planned:
        return []
    scopes = sorted(counts)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO archives_numbersequence (scope, last_value) "
            "SELECT * FROM unnest(%s::varchar[], %s::bigint[]) "
            "ON CONFLICT (scope) DO UPDATE SET last_value = archives_numbersequence.last_value + EXCLUDED.last_value "
            "RETURNING scope, last_value",
            [scopes, [counts[scope] for scope in scopes]],
        )
        last = dict(cursor.fetchall())
    next_value = {scope: last[scope] - counts[scope] + 1 for scope in scopes}
    numbers = []
    for scope, render in planned:
        numbers.append(render(next_value[scope]))
        next_value[scope] += 1
    return numbers
