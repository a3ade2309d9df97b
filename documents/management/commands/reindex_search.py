"""Rebuild the search index of every company (or of some): customers' search vectors, pinyin and
initials, and documents' full-text vectors. For after an upgrade that changes how text is cut
into tokens (jieba, pypinyin, their dictionaries) or a restore of rows without their vectors.

    manage.py reindex_search [--schema t_acme ...] [--only customers|documents]

Rows whose vectors come out the same are read but not written, so a second run is cheap. Each
batch is its own short transaction: searches go on meanwhile, and an interrupted run can simply
be started again. Progress goes to stderr, one JSON line per company to stdout.
"""
from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from dangan.tenants.management.schemas import companies_to_run

PARTS = ("customers", "documents")


class Command(BaseCommand):
    help = "Recompute the search vectors of customers and documents, per company."

    def add_arguments(self, parser):
        parser.add_argument("--schema", action="append", help="only this company schema (repeatable)")
        parser.add_argument("--only", choices=PARTS, help="only customers or only documents")

    def handle(self, *args, schema=None, only=None, **options):
        tenants = companies_to_run(schema)
        for tenant in tenants:
            with tenant_context(tenant):
                report = {"schema": tenant.schema_name}
                for part in [only] if only else PARTS:
                    started = time.perf_counter()
                    report[part] = self._reindex(tenant.schema_name, part)
                    report[f"{part}_seconds"] = round(time.perf_counter() - started, 1)
            self.stdout.write(json.dumps(report, ensure_ascii=False))

    def _reindex(self, schema: str, part: str) -> int:
        from dangan.archives.models import Customer
        from dangan.archives.services.search_index import reindex_customers
        from dangan.documents.models import Document
        from dangan.documents.services.search_index import reindex_documents

        model, reindex = (Customer, reindex_customers) if part == "customers" else (Document, reindex_documents)
        total = model.objects.count()

        def progress(done: int) -> None:
            percent = done * 100 // total if total else 100
            self.stderr.write(f"{schema} {part}: {done:,} / {total:,} ({percent}%)")

        return reindex(progress=progress)
