"""`manage.py verify_audit_chain [--schema t_x]`: verify one company's audit chain, or every
company's. Prints one JSON report per company; exits 1 if any chain fails."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context


class Command(BaseCommand):
    help = "Verify the audit chain of one company (--schema) or of all companies."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="the company's schema name (t_…); all companies when omitted")
        parser.add_argument("--no-storage", action="store_true",
                            help="compare with the public-schema checkpoints only, not those in object storage")

    def handle(self, *args, schema=None, no_storage=False, **options):
        from dangan.tenants.models import Tenant

        from ...verification import verify_chain

        tenants = Tenant.objects.exclude(schema_name="public").order_by("schema_name")
        if schema:
            tenants = tenants.filter(schema_name=schema)
            if not tenants.exists():
                raise CommandError(f"no company with schema {schema!r}")
        failed = 0
        for tenant in tenants:
            with tenant_context(tenant):
                report = verify_chain(check_storage=not no_storage)
            failed += not report["ok"]
            self.stdout.write(json.dumps({"schema": tenant.schema_name, **report}, ensure_ascii=False))
        if failed:
            raise CommandError(f"{failed} audit chain(s) failed verification", returncode=1)
