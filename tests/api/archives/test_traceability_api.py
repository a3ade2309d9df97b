"""Traceability: from a product, item number or batch to every customer who received it."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework import serializers

from dangan.accounts import roles
from dangan.api.archives.serializers import ContactSerializer
from dangan.api.archives.traceability import json_fields
from dangan.archives.models import Contact, SalesLedgerEntry
from dangan.archives.selectors import CONTACT_ORDER
from dangan.governance.models import ConfidentialityLevel
from dangan.governance.services import confidentiality as conf

URL = "/api/v1/traceability/"
EXPORT = "/api/v1/traceability/export.xlsx"


def deliver(customer, *, batch="B2603", product="阿莫西林胶囊", item="AMX-24", quantity="10", cartons=1,
            sale_date="2026-03-02"):
    return SalesLedgerEntry.objects.create(
        customer=customer, sale_date=sale_date, product_name=product, item_number=item, product_batch=batch,
        quantity=Decimal(quantity), cartons=cartons, created_by=customer.owner)


@pytest.fixture
def recall(company, new_customer):
    """Batch B2603 went to three customers of two departments; batch B2604 to one of them."""
    pharmacy = new_customer(name="北京同仁堂药店")
    hospital = new_customer(name="朝阳医院", actor=company.colleague,
                            contacts=[{"name": "刘主任", "phone": "13700000001", "position": "药剂科主任",
                                       "is_primary": True},
                                      {"name": "陈药师", "phone": "13700000002", "email": "chen@cy.cn"}])
    distant = new_customer(name="成都分销商", actor=company.outsider, department=company.sales2.pk)
    deliver(pharmacy, quantity="120", cartons=5, sale_date="2026-03-01")
    deliver(pharmacy, quantity="24", cartons=1, sale_date="2026-03-05")
    deliver(hospital, quantity="48", cartons=2, sale_date="2026-03-03")
    deliver(distant, quantity="240", cartons=10, sale_date="2026-03-04")
    deliver(hospital, batch="B2604", quantity="12", sale_date="2026-03-06")
    return {"pharmacy": pharmacy, "hospital": hospital, "distant": distant}


def test_a_batch_leads_to_every_customer_who_received_it(company, api, recall):
    response = api(company.custodian).get(f"{URL}?batch=B2603")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["customer"]["name"], row["quantity"], row["cartons"], row["sale_date"]) for row in rows] == [
        ("北京同仁堂药店", "24.000", 1, "2026-03-05"),
        ("成都分销商", "240.000", 10, "2026-03-04"),
        ("朝阳医院", "48.000", 2, "2026-03-03"),
        ("北京同仁堂药店", "120.000", 5, "2026-03-01"),
    ]
    hospital = next(row for row in rows if row["customer"]["name"] == "朝阳医院")
    assert hospital["customer"]["archive_number"] == recall["hospital"].archive_number
    assert hospital["product_batch"] == "B2603" and hospital["item_number"] == "AMX-24"
    assert hospital["product_name"] == "阿莫西林胶囊"
    assert [(c["name"], c["phone"], c["is_primary"]) for c in hospital["contacts"]] == [
        ("刘主任", "13700000001", True), ("陈药师", "13700000002", False)]
    assert hospital["contacts"][1]["email"] == "chen@cy.cn" and hospital["contacts"][0]["position"] == "药剂科主任"


def test_filters_combine_and_one_is_required(company, api, recall):
    client = api(company.custodian)
    names = lambda query: sorted(r["customer"]["name"] for r in client.get(URL + query).json()["results"])  # noqa: E731
    assert names("?item_number=AMX-24&batch=B2604") == ["朝阳医院"]
    assert names("?product=西林") == sorted(["北京同仁堂药店", "北京同仁堂药店", "朝阳医院", "成都分销商", "朝阳医院"])
    assert names("?batch=B9999") == []
    for query in ("", "?batch=", "?product=%20%20"):
        refused = client.get(URL + query)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "traceability_filter_required"
        assert client.get(EXPORT + query).json()["error"]["code"] == "traceability_filter_required"


def test_only_visible_customers_are_traced(company, api, recall, other_company):
    owner_rows = api(company.owner).get(f"{URL}?batch=B2603").json()["results"]
    assert {row["customer"]["name"] for row in owner_rows} == {"北京同仁堂药店"}
    supervisor_rows = api(company.supervisor).get(f"{URL}?batch=B2603").json()["results"]
    assert {row["customer"]["name"] for row in supervisor_rows} == {"北京同仁堂药店", "朝阳医院"}
    assert other_company.get(f"{URL}?batch=B2603").json()["results"] == []
    foreign = load_workbook(io.BytesIO(b"".join(other_company.get(f"{EXPORT}?batch=B2603").streaming_content)))
    assert list(foreign.active.iter_rows(values_only=True))[1:] == []


def test_export_is_an_excel_file_with_chinese_headers(company, api, recall):
    response = api(company.supervisor).get(f"{EXPORT}?batch=B2603")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("销售日期", "品名", "货号", "产品批号") and "联系人" in rows[0] and "电话" in rows[0]
    header = rows[0]
    body = [dict(zip(header, row)) for row in rows[1:]]
    assert [(r["客户名称"], float(r["数量"]), r["箱数"]) for r in body] == [
        ("北京同仁堂药店", 24.0, 1), ("朝阳医院", 48.0, 2), ("北京同仁堂药店", 120.0, 5)]
    hospital = body[1]
    # phones as the supervisor may see them: masked (governance/masking.py)
    assert hospital["联系人"] == "刘主任\n陈药师" and hospital["电话"] == "137****0001\n137****0002"
    assert hospital["档案编号"] == recall["hospital"].archive_number
    assert hospital["销售日期"].date().isoformat() == "2026-03-03"


def test_export_keeps_text_as_text(company, api, new_customer):
    customer = new_customer()
    deliver(customer, product="=HYPERLINK(\"http://evil.example\")\x01", batch="X1")
    sheet = load_workbook(io.BytesIO(b"".join(api(company.owner).get(f"{EXPORT}?batch=X1").streaming_content))).active
    row = list(sheet.iter_rows(min_row=2))[0]
    assert row[1].data_type == "s" and row[1].value == "=HYPERLINK(\"http://evil.example\")"


def test_query_count_does_not_grow_with_the_page(company, api, new_customer):
    customers = [new_customer(name=f"药店{index}") for index in range(6)]
    for customer in customers:
        deliver(customer)
        deliver(customer, sale_date="2026-03-03")
    client = api(company.custodian)

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{URL}?batch=B2603&page_size={size}")
            assert response.status_code == 200 and len(response.json()["results"]) == size
        return len(captured)

    queries(1)  # warm-up: the first request of the day also loads the plan's API quota into the cache
    assert queries(2) == queries(12)


def test_a_trace_page_is_compiled_once_and_each_request_reads_its_own_values(company, api, recall, other_company,
                                                                              monkeypatch):
    """The page's SQL is kept per viewer scope and filter names (api/archives/rows.py
    PreparedValues): a later batch, item number or cursor position is a parameter of it."""
    from django.db.models.sql.compiler import SQLCompiler

    client = api(company.custodian)
    assert len(client.get(f"{URL}?batch=B2603").json()["results"]) == 4  # compiled here, and kept
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *args, **kwargs: (
        compiled.append(self.query.model), original(self, *args, **kwargs))[1])
    rows = client.get(f"{URL}?batch=B2604").json()["results"]
    assert [(row["customer"]["name"], row["quantity"], row["product_batch"]) for row in rows] == [
        ("朝阳医院", "12.000", "B2604")]
    assert SalesLedgerEntry not in compiled
    first = client.get(f"{URL}?batch=B2603&page_size=2").json()
    second = client.get(first["next"]).json()
    assert [row["sale_date"] for row in first["results"] + second["results"]] == [
        "2026-03-05", "2026-03-04", "2026-03-03", "2026-03-01"]
    assert second["next"] is None
    assert client.get(f"{URL}?batch=B9999").json()["results"] == []
    # Another company's viewer never reads through this company's kept SQL.
    assert other_company.get(f"{URL}?batch=B2604").json()["results"] == []
    # A product name (LIKE) is compiled every time.
    compiled.clear()
    assert len(client.get(f"{URL}?product=西林").json()["results"]) == 5
    assert SalesLedgerEntry in compiled


def test_a_batch_page_reads_only_the_batch_index(company, api, new_customer):
    """The page of a batch trace is planned as an index-only scan of archives_ledger_batch_cov:
    every ledger column it reads is in that index (TRACE_ROW_COLUMNS), so a delivery added to
    TraceabilityRowOutput without its column in the index fails here, not in production."""
    for index in range(3):
        deliver(new_customer(name=f"药店{index}"), sale_date=f"2026-03-0{index + 1}")
    with CaptureQueriesContext(connection) as captured:
        assert len(api(company.custodian).get(f"{URL}?batch=B2603").json()["results"]) == 3
    page = next(query["sql"] for query in captured.captured_queries
                if query["sql"].startswith('SELECT "archives_salesledgerentry"'))
    with connection.cursor() as cursor:
        # A three-row table is read whole by choice; what matters is that the index could serve alone.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + page)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using archives_ledger_batch_cov on archives_salesledgerentry" in plan, plan


def test_contacts_come_with_their_page_in_one_statement(company, api, new_customer):
    """Each delivery's contacts are read with the page (selectors.trace_contacts_json) and say
    exactly what ContactSerializer says: every field, the primary one first, text as stored
    (quotes, backslashes, line breaks, emoji), [] for a file without contacts."""
    tricky = new_customer(name="引号药房", contacts=[
        {"name": '李"四\\', "phone": "13700000009", "email": "li@x.cn", "position": "店长\n副职\u2028😀"},
        {"name": "王主任", "phone": "13700000008", "is_primary": True}])
    bare = new_customer(name="无联系人", contacts=[])
    deliver(tricky)
    deliver(bare, sale_date="2026-03-01")
    deliver(tricky, sale_date="2026-02-01")
    with CaptureQueriesContext(connection) as captured:
        rows = api(company.custodian).get(f"{URL}?batch=B2603").json()["results"]
    expected = [dict(ContactSerializer(contact).data) for contact in tricky.contacts.order_by(*CONTACT_ORDER)]
    assert [row["customer"]["name"] for row in rows] == ["引号药房", "无联系人", "引号药房"]
    assert rows[0]["contacts"] == rows[2]["contacts"] == expected and rows[1]["contacts"] == []
    assert [contact["name"] for contact in expected] == ["王主任", '李"四\\']
    assert expected[1]["position"] == "店长\n副职\u2028😀"
    contact_reads = [query["sql"] for query in captured.captured_queries if "archives_contact" in query["sql"]]
    assert len(contact_reads) == 1 and "archives_salesledgerentry" in contact_reads[0]


def test_rows_built_in_sql_take_only_fields_postgresql_renders_alike():
    assert json_fields(ContactSerializer) == ("name", "phone", "email", "position", "is_primary")

    class Renamed(serializers.ModelSerializer):
        mobile = serializers.CharField(source="phone")

        class Meta:
            model = Contact
            fields = ["name", "mobile"]

    class AsText(serializers.ModelSerializer):
        is_primary = serializers.CharField()  # "True", where PostgreSQL's json says true

        class Meta:
            model = Contact
            fields = ["is_primary"]

    class Computed(serializers.ModelSerializer):
        label = serializers.SerializerMethodField()

        class Meta:
            model = Contact
            fields = ["label"]

    for serializer in (Renamed, AsText, Computed):
        with pytest.raises(TypeError):
            json_fields(serializer)


def test_each_viewer_traces_through_their_own_scope(company, api, new_customer):
    """The scope query is kept per viewer (selectors._deliveries_visible_to): one person's never
    answers for another, and a new role or clearance is a new scope."""
    deliver(new_customer(name="张三的客户"))
    deliver(new_customer(name="李四的客户", actor=company.colleague))

    def names(user):
        return sorted(row["customer"]["name"] for row in api(user).get(f"{URL}?batch=B2603").json()["results"])

    assert names(company.owner) == ["张三的客户"]
    assert names(company.colleague) == ["李四的客户"]
    assert names(company.owner) == ["张三的客户"]
    company.owner.groups.add(Group.objects.get(name=roles.CUSTODIAN))
    assert names(company.owner) == ["张三的客户", "李四的客户"]


def test_a_classified_delivery_shows_once_the_viewer_may_read_its_file(company, api, new_customer):
    """Confidentiality is applied on every read of the kept scope: a grant made after a trace
    opens the file to the next one, a revoked grant closes it again."""
    secret = ConfidentialityLevel.objects.get(code="secret")
    customer = new_customer(name="机密客户甲")
    deliver(customer)
    conf.customer_confidentiality_set(actor=company.custodian, customer=customer, level=secret, reason="商业秘密")

    def names():
        return [row["customer"]["name"] for row in api(company.owner).get(f"{URL}?batch=B2603").json()["results"]]

    assert names() == []  # its own salesperson, without a grant or clearance
    grant = conf.grant_time_boxed_access(actor=company.custodian, user=company.owner, customer=customer,
                                         until=timezone.now() + dt.timedelta(days=3), reason="召回", source="borrowing")
    assert names() == ["机密客户甲"]
    conf.revoke_access_grant(actor=company.custodian, grant=grant, reason="已归还")
    assert names() == []
