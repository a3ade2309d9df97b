"""Loading generated rows with COPY: the text form of a row, and the constraints and indexes
to drop before and build after (several times faster than loading with them in place)."""
from __future__ import annotations

import json

from .runner import log


def row_template(model, **overrides: str) -> tuple[list[str], dict[str, int]]:
    """Every concrete column of `model` with its empty COPY value, and the position of each."""
    from django.db import models

    template, position = [], {}
    for field in model._meta.concrete_fields:
        position[field.attname] = len(template)
        value = "\\N" if field.null else "" if not field.has_default() else field.get_default()
        if isinstance(field, models.JSONField) and value != "\\N":
            value = json.dumps(value)
        elif isinstance(value, bool):
            value = "t" if value else "f"
        template.append(overrides.get(field.attname, str(value)))
    return template, position


def line(template: tuple, values: dict) -> str:
    row, position = template[0][:], template[1]
    for column, value in values.items():
        row[position[column]] = value
    return "\t".join(row)


def dependent_objects(cursor, tables: list[str]) -> tuple[list[str], list[str]]:
    """(drop, create) statements of the foreign keys, unique constraints and secondary indexes of
    `tables`: loading without them and building them afterwards is several times faster."""
    drops, creates = [], []
    cursor.execute("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype DESC""", [tables])
    for table, name, definition in cursor.fetchall():  # unique ones first, foreign keys after
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("""
        SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
        WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", [tables])
    for name, definition in cursor.fetchall():
        drops.append(f"DROP INDEX {name}")
        creates.insert(0, definition)  # indexes before the foreign keys, whose checks use them
    return drops, creates


def copy_chunks(cursor, table: str, model, chunks, on_chunk) -> None:
    columns = ", ".join(f'"{field.column}"' for field in model._meta.concrete_fields)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)") as copy:
        for n, chunk in enumerate(chunks):
            copy.write(on_chunk(chunk))
            if n % 20 == 19:
                log(f"  {table}: {n + 1} chunks")
