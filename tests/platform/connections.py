"""A second connection to the test database, beside Django's: what another process would see."""
from __future__ import annotations

import psycopg
from django.db import connection


def other_connection() -> psycopg.Connection:
    """A plain psycopg connection (autocommit) to the database Django's connection uses."""
    params = {key: value for key, value in connection.get_connection_params().items()
              if key not in ("cursor_factory", "context", "prepare_threshold")}
    return psycopg.connect(**params, autocommit=True)
