"""Compare document rows with the bucket listing, per company (see documents/services/reconcile.py).

    manage.py reconcile_documents [--schema t_acme] [--grace-hours 24] [--dry-run]
"""
from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from dangan.tenants.management.schemas import companies_to_run


class Command(BaseCommand):
    help = "Report and remove orphan document objects, flag versions whose object is missing."

    def add_arguments(self, parser):
        parser.add_argument("--schema", action="append", help="only this company schema (repeatable)")
        parser.add_argument("--grace-hours", type=float, default=None,
                            help="orphans younger than this are kept (default DOCUMENTS_ORPHAN_GRACE_HOURS)")
        parser.add_argument("--dry-run", action="store_true", help="report only; delete and change nothing")

    def handle(self, *args, schema=None, grace_hours=None, dry_run=False, **options):
        from ...services.reconcile import reconcile

        tenants = companies_to_run(schema)
        grace = dt.timedelta(hours=grace_hours) if grace_hours is not None else None
        for tenant in tenants:
            with tenant_context(tenant):
                report = reconcile(grace=grace, dry_run=dry_run)
            self.stdout.write(json.dumps({"schema": tenant.schema_name, **report}, ensure_ascii=False, default=str))
