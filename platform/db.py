"""Model instances from rows read by SQL kept as text (platform/postgresql_backend prepared_cursor)."""
from __future__ import annotations

from collections.abc import Sequence


def instance_from_row(model, attnames: Sequence[str], row: Sequence, connection):
    """What the ORM builds from these columns: each field's own conversion (`from_db_value`:
    JSON text to values, for one), then `Model.from_db`."""
    fields = [model._meta.get_field(name) for name in attnames]
    values = [field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") and value is not None
              else value for field, value in zip(fields, row)]
    return model.from_db(connection.alias, list(attnames), values)
