"""Periodic housekeeping of the API infrastructure (thin: each task calls one service)."""
from __future__ import annotations

from dangan.platform.tasks import tenant_task


@tenant_task(name="integrations.purge_idempotency_records")
def purge_idempotency_records() -> int:
    from . import services

    return services.idempotency_records_purge()
