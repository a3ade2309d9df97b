"""What the per-company management commands share: which companies a `--schema` option names."""
from __future__ import annotations

from django.core.management.base import CommandError


def companies_to_run(schemas: list[str] | None):
    """The active companies, or those of `schemas` (repeatable --schema), in id order; an
    unknown or inactive schema among them stops the command before any company is touched."""
    from dangan.tenants.selectors import active_tenants

    tenants = active_tenants()
    if schemas:
        tenants = tenants.filter(schema_name__in=schemas)
        if tenants.count() != len(set(schemas)):
            raise CommandError(f"unknown or inactive schema among {schemas}")
    return tenants
