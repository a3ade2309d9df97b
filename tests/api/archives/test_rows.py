"""Pages rendered from `.values()` rows (api/archives/rows.py) say exactly what the output
serializers say about the same model instances: every field, nulls, dates, nested objects,
lists of contacts — and the endpoints that use them answer with those rows."""
import json
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from dangan.api.archives.rows import Plan, plan_for
from dangan.api.archives.serializers import CustomerDetailOutput, CustomerListOutput, TraceabilityRowOutput
from dangan.archives import selectors
from dangan.archives.models import Customer, SalesLedgerEntry
from dangan.governance.masking import Masker

URL = "/api/v1/customers/"


def as_json(data):
    """What the client receives: key order and value types included."""
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def files(company, new_customer):
    """Files with every optional reference set, and with none of them (nulls everywhere)."""
    full = new_customer(name="北京同仁堂药店", industry="pharma", is_key_customer=True)
    bare = new_customer(name="张三", kind="individual", region=None, grade=None, department=None,
                        contacts=[], actor=company.colleague)
    Customer.objects.filter(pk=full.pk).update(next_review_on="2027-01-31")
    return full, bare


def test_a_list_page_from_values_equals_the_serializer_output(company, files):
    plan = plan_for(CustomerListOutput, fetched=selectors.LIST_FETCHED)
    rows = list(selectors.customer_list(user=company.custodian).values(*plan.columns))
    expected = [CustomerListOutput(customer).data for customer in selectors.customer_list(user=company.custodian)]
    assert as_json(plan.render_page(rows)) == as_json(expected)
    full, bare = sorted(as_json(plan.render_page(rows)), key=lambda row: row["name"] != "北京同仁堂药店")
    assert full["grade"]["code"] == "A" and full["industry"]["code"] == "pharma" and full["department"]
    assert full["next_review_on"] == "2027-01-31" and full["created_at"].endswith("+08:00")
    assert bare["grade"] is None and bare["region"] is None and bare["department"] is None


def test_the_list_endpoint_answers_with_those_rows(company, api, files, company_stranger):
    body = api(company.custodian).get(URL).json()
    expected = [CustomerListOutput(customer).data for customer in selectors.customer_list(user=company.custodian)]
    assert body["results"] == as_json(expected) and len(body["results"]) == 2
    # scoping still applies: the owner sees their file only, another company nothing
    assert [row["name"] for row in api(company.owner).get(URL).json()["results"]] == ["北京同仁堂药店"]
    assert company_stranger.get(URL).json()["results"] == []


def test_trace_rows_from_values_equal_the_serializer_output(company, api, files):
    full, bare = files
    for customer, batch in ((full, "B1"), (bare, "B1"), (full, "B1")):
        SalesLedgerEntry.objects.create(customer=customer, sale_date="2026-03-02", product_name="阿莫西林胶囊",
                                        item_number="AMX-24", product_batch=batch, quantity=Decimal("2.5"),
                                        cartons=1, created_by=customer.owner)
    entries = selectors.traceability(user=company.custodian, batch="B1")
    expected = as_json(TraceabilityRowOutput(entries, many=True).data)
    body = api(company.custodian).get("/api/v1/traceability/?batch=B1").json()
    assert body["results"] == expected and len(expected) == 3
    assert expected[0]["quantity"] == "2.500" and expected[0]["contacts"][0]["phone"] == "13812345678"
    assert [row["contacts"] for row in expected if row["customer"]["id"] == bare.pk] == [[]]


def test_a_file_from_values_equals_the_serializer_output_masked_or_clear(company, api, files):
    full, _ = files
    owner, supervisor, custodian = api(company.owner), api(company.supervisor), api(company.custodian)
    url = f"{URL}{full.pk}/"
    assert owner.post(f"{url}submit/").status_code == 200
    assert supervisor.post(f"{url}approve/").status_code == 200
    assert custodian.post(f"{url}file/").status_code == 200
    changed = owner.patch(url, {"contacts": [{"name": "王经理", "phone": "13999998888", "is_primary": True},
                                             {"name": "刘会计", "phone": "13700001111"}], "reason": "换人"},
                          content_type="application/json")
    assert changed.json()["change_request"]["state"] == "pending"
    for viewer, client in ((company.supervisor, supervisor), (company.custodian, custodian),
                           (company.owner, owner)):
        customer = selectors.customer_detail(user=viewer, pk=full.pk)
        expected = Masker(viewer).customer_output(customer, CustomerDetailOutput(customer).data)
        response = client.get(url)
        assert response.status_code == 200 and response["ETag"] == f'"v{customer.version}"'
        assert response.json() == as_json(expected)
    masked = supervisor.get(url).json()
    assert masked["contacts"][0]["phone"] == "138****5678" and masked["pending_change_requests"][0]["changes"]
    assert masked["grade"]["code"] == "A" and masked["custodian"]["id"] == company.custodian.pk
    assert supervisor.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert api(company.outsider).get(url).status_code == 404


def test_fields_a_plan_cannot_read_are_refused_when_compiling():
    class WithMethod(serializers.ModelSerializer):
        shout = serializers.SerializerMethodField()

        class Meta:
            model = Customer
            fields = ["id", "shout"]

        def get_shout(self, customer):
            return customer.name.upper()

    with pytest.raises(TypeError, match="shout"):
        Plan(WithMethod(), Customer)
