"""The traceability pages read the ledger in index order: a batch or an item number is found and
its deliveries come newest first straight from the index, so a page stops after its rows however
many deliveries the item had (archives/models/ledger.py)."""
import pytest
from django.db import connection

from dangan.archives import selectors
from dangan.archives.models import SalesLedgerEntry


def _plan(queryset, *settings: str) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test tables are tiny: without this the planner would rightly read them whole.
        for setting in ("enable_seqscan", *settings):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(("filters", "index"), [({"batch": "B2603"}, "archives_ledger_batch_cov"),
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


def test_a_trace_by_part_of_a_product_name_uses_the_trigram_index(company, new_customer):
    customer = new_customer()
    for name in ("阿莫西林胶囊", "布洛芬缓释胶囊", "创可贴"):
        SalesLedgerEntry.objects.create(customer=customer, sale_date="2026-03-01", product_name=name,
                                        item_number="X", product_batch="B", created_by=company.owner)
    page = selectors.traceability(user=company.admin, product="胶囊").prefetch_related(None)[:101]
    assert sorted(row.product_name for row in page) == ["布洛芬缓释胶囊", "阿莫西林胶囊"]
    assert [row.product_name for row in selectors.traceability(user=company.admin, product="amx")] == []
    # Plain index scans off too: the only way left to find the rows without reading them all
    # is a bitmap scan of an index on the product name's expression.
    plan = _plan(page, "enable_indexscan")
    assert "archives_ledger_product_idx" in plan, plan
