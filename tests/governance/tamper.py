"""What someone with direct database access could do to the audit chain."""
from django.db import connection

TABLE = "governance_auditevent"


def sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def protection_off() -> None:
    """Switch the append-only triggers off (a table owner can)."""
    sql(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")


def protection_on() -> None:
    sql(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
