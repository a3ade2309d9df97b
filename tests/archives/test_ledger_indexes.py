"""The traceability pages read the ledger in index order: a batch or an item number is found and
its deliveries come newest first straight from the index, so a page stops after its rows however
many deliveries the item had (archives/models/ledger.py)."""
import pytest
from django.db import connection

from dangan.archives import selectors
from dangan.archives.models import SalesLedgerEntry


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test tables are tiny: without this the planner would rightly read them whole.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(("filters", "index"), [({"batch": "B2603"}, "archives_ledger_batch_idx"),
                                                ({"item_number": "AMX-24"}, "archives_ledger_item_idx")])
def test_a_trace_page_reads_its_deliveries_in_index_order_without_sorting(company, new_customer, filters, index):
    customer = new_customer()
    for day in range(1, 4):
        SalesLedgerEntry.objects.create(customer=customer, sale_date=f"2026-03-0{day}", product_name="阿莫西林胶囊",
                                        item_number="AMX-24", product_batch="B2603", created_by=company.owner)
    page = selectors.traceability(user=company.owner, **filters).prefetch_related(None)[:101]
    assert [row.sale_date.day for row in page] == [3, 2, 1]
    plan = _plan(page)
    assert index in plan, plan
    assert "Sort" not in plan, plan
