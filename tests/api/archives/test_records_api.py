"""Ledger, vouchers, communications, service records, complaints and surveys under a file:
who reaches them (visibility → 404), who writes them (services → 403), and their rules."""
import pytest
from django.contrib.auth.models import Group
from django.db import connection

from dangan.accounts import roles
from dangan.archives.models import Complaint, Customer, SalesLedgerEntry, VoucherCopy

JSON = "application/json"
LEDGER = {"sale_date": "2026-03-02", "product_name": "阿莫西林胶囊", "item_number": "AMX-24", "product_batch": "B2603",
          "packaging": "24X1LB", "quantity": "120.000", "cartons": 5, "sales_type": "domestic",
          "sales_department": "销售一部", "salesperson": "张三"}


@pytest.fixture
def auditor(company):
    """Sees every file of the company (R6) but writes none."""
    from dangan.accounts.models import User

    person = User.objects.create_user(email="audit@x.cn", password="pw-Archive-2026", full_name="周审计")
    person.groups.set(Group.objects.filter(name=roles.AUDITOR))
    return person


@pytest.fixture
def customer(company, new_customer):
    return new_customer()


def url(customer, what: str) -> str:
    return f"/api/v1/customers/{customer.pk}/{what}/"


def test_ledger_entry_life_with_etags(company, api, customer):
    client = api(company.owner)
    created = client.post(url(customer, "ledger"), LEDGER, content_type=JSON)
    assert created.status_code == 201, created.content
    entry = created.json()
    assert entry["customer"] == customer.pk and entry["quantity"] == "120.000" and entry["cartons"] == 5
    customer.refresh_from_db()
    assert str(customer.last_activity_on) == "2026-03-02"  # the ledger keeps the file's activity current

    detail = client.get(f"/api/v1/ledger/{entry['id']}/")
    etag = detail["ETag"]
    assert detail.status_code == 200 and etag
    changed = client.patch(f"/api/v1/ledger/{entry['id']}/", {"cartons": 6}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["cartons"] == 6
    assert changed["ETag"] != etag
    stale = client.patch(f"/api/v1/ledger/{entry['id']}/", {"cartons": 7}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    assert SalesLedgerEntry.objects.get(pk=entry["id"]).cartons == 6

    assert client.delete(f"/api/v1/ledger/{entry['id']}/").status_code == 204
    assert client.get(f"/api/v1/ledger/{entry['id']}/").status_code == 404
    customer.refresh_from_db()
    assert customer.last_activity_on is None


def test_ledger_input_is_validated_field_by_field(company, api, customer):
    response = api(company.owner).post(url(customer, "ledger"), {**LEDGER, "sales_type": "barter", "cartons": -1,
                                                                 "quantity": "1234567890123.5"}, content_type=JSON)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and {"sales_type", "cartons", "quantity"} <= set(error["fields"])
    missing = api(company.owner).post(url(customer, "ledger"), {"quantity": "1"}, content_type=JSON)
    assert {"sale_date", "product_name"} <= set(missing.json()["error"]["fields"])
    assert not SalesLedgerEntry.objects.exists()


def test_a_delivery_of_a_negative_quantity_or_expired_before_its_sale_is_refused(company, api, customer):
    client = api(company.owner)
    refused = client.post(url(customer, "ledger"), {**LEDGER, "quantity": "-5", "expiry_date": "2026-03-01"},
                          content_type=JSON)
    assert refused.status_code == 400
    fields = refused.json()["error"]["fields"]
    assert fields["quantity"][0]["message"] == {"zh-hans": "数量不能为负数。", "en": "The quantity cannot be negative."}
    assert fields["expiry_date"][0]["message"] == {
        "zh-hans": "有效期不能早于销售日期。", "en": "The expiry date cannot be before the sale date."}
    assert not SalesLedgerEntry.objects.exists()

    # The same rules on an update, field by field against what is stored; the stored row is kept.
    entry = client.post(url(customer, "ledger"), {**LEDGER, "expiry_date": "2026-03-02"}, content_type=JSON).json()
    earlier = client.patch(f"/api/v1/ledger/{entry['id']}/", {"sale_date": "2026-03-03"}, content_type=JSON)
    assert earlier.status_code == 400 and set(earlier.json()["error"]["fields"]) == {"expiry_date"}
    negative = client.patch(f"/api/v1/ledger/{entry['id']}/", {"quantity": "-0.001"}, content_type=JSON)
    assert negative.status_code == 400 and set(negative.json()["error"]["fields"]) == {"quantity"}
    stored = SalesLedgerEntry.objects.get()
    assert (str(stored.sale_date), stored.quantity) == ("2026-03-02", 120)
    zero = client.patch(f"/api/v1/ledger/{entry['id']}/", {"quantity": "0"}, content_type=JSON)
    assert zero.status_code == 200, zero.content


def test_ledger_pages_with_a_cursor(company, api, customer):
    client = api(company.owner)
    for day in range(1, 6):
        assert client.post(url(customer, "ledger"), {**LEDGER, "sale_date": f"2026-01-0{day}"},
                           content_type=JSON).status_code == 201
    first = client.get(url(customer, "ledger") + "?page_size=2").json()
    assert [row["sale_date"] for row in first["results"]] == ["2026-01-05", "2026-01-04"]
    dates = [row["sale_date"] for row in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        dates += [row["sale_date"] for row in page["results"]]
    assert dates == [f"2026-01-0{day}" for day in range(5, 0, -1)]


def test_records_of_a_file_you_cannot_see_do_not_exist(company, api, customer, other_company):
    entry = api(company.owner).post(url(customer, "ledger"), LEDGER, content_type=JSON).json()
    for client in (api(company.colleague), api(company.other_supervisor), other_company):
        for what in ("ledger", "vouchers", "communications", "service-records", "complaints", "surveys"):
            assert client.get(url(customer, what)).status_code == 404, what
            assert client.post(url(customer, what), {}, content_type=JSON).status_code == 404, what
        assert client.get(f"/api/v1/ledger/{entry['id']}/").status_code == 404
        assert client.patch(f"/api/v1/ledger/{entry['id']}/", {"cartons": 1}, content_type=JSON).status_code == 404
        assert client.delete(f"/api/v1/ledger/{entry['id']}/").status_code == 404
    connection.set_tenant(company.tenant)
    assert SalesLedgerEntry.objects.get(pk=entry["id"]).cartons == 5


def test_the_owners_supervisor_and_custodian_write_a_reader_may_only_read(company, api, customer, auditor):
    assert api(company.supervisor).post(url(customer, "ledger"), LEDGER, content_type=JSON).status_code == 201
    assert api(company.custodian).post(url(customer, "communications"), {"summary": "回访"},
                                       content_type=JSON).status_code == 201
    reader = api(auditor)
    assert len(reader.get(url(customer, "ledger")).json()["results"]) == 1
    bodies = {"ledger": LEDGER, "vouchers": {"number": "NO-1", "issued_on": "2026-03-02"},
              "communications": {"summary": "电话回访"},
              "service-records": {"served_on": "2026-03-02", "kind": "上门安装", "description": "安装调试"},
              "complaints": {"subject": "包装破损", "description": "两箱外包装破损"},
              "surveys": {"surveyed_on": "2026-03-02", "score": 4}}
    for what, body in bodies.items():
        refused = reader.post(url(customer, what), body, content_type=JSON)
        assert refused.status_code == 403, what
        assert refused.json()["error"]["code"] == "permission_denied"
    entry_id = SalesLedgerEntry.objects.get().pk
    assert reader.patch(f"/api/v1/ledger/{entry_id}/", {"cartons": 1}, content_type=JSON).status_code == 403
    assert reader.delete(f"/api/v1/ledger/{entry_id}/").status_code == 403


def test_a_voucher_comes_with_its_three_copies(company, api, customer, new_customer):
    client = api(company.owner)
    entry = client.post(url(customer, "ledger"), LEDGER, content_type=JSON).json()
    created = client.post(url(customer, "vouchers"), {"number": "XS-2026-0001", "issued_on": "2026-03-02",
                                                      "amount": "1800.50", "ledger_entry": entry["id"]},
                          content_type=JSON)
    assert created.status_code == 201, created.content
    voucher = created.json()
    assert voucher["ledger_entry"] == entry["id"] and voucher["amount"] == "1800.50"
    assert sorted(copy["kind"] for copy in voucher["copies"]) == ["goods", "invoice", "stub"]
    assert not any(copy["received"] for copy in voucher["copies"])

    stub = next(copy for copy in voucher["copies"] if copy["kind"] == "stub")
    marked = client.patch(f"/api/v1/voucher-copies/{stub['id']}/", {"received": True, "note": "已归档"},
                          content_type=JSON)
    assert marked.status_code == 200 and marked.json()["received"] is True and marked.json()["note"] == "已归档"
    assert client.patch(f"/api/v1/voucher-copies/{stub['id']}/", {"note": "第 3 盒"},
                        content_type=JSON).json()["received"] is True  # omitted fields keep their value
    assert api(company.colleague).patch(f"/api/v1/voucher-copies/{stub['id']}/", {"received": False},
                                        content_type=JSON).status_code == 404
    assert VoucherCopy.objects.get(pk=stub["id"]).received is True

    again = client.post(url(customer, "vouchers"), {"number": "XS-2026-0001", "issued_on": "2026-03-03"},
                        content_type=JSON)
    assert again.status_code == 400 and "number" in again.json()["error"]["fields"]
    someone_else = new_customer(name="别家药店")
    foreign_entry = SalesLedgerEntry.objects.create(customer=someone_else, sale_date="2026-03-01", product_name="x",
                                                    created_by=company.owner)
    wrong = client.post(url(customer, "vouchers"), {"number": "XS-2026-0002", "issued_on": "2026-03-03",
                                                    "ledger_entry": foreign_entry.pk}, content_type=JSON)
    assert wrong.status_code == 400 and "ledger_entry" in wrong.json()["error"]["fields"]
    listed = client.get(url(customer, "vouchers")).json()["results"]
    assert [v["number"] for v in listed] == ["XS-2026-0001"] and len(listed[0]["copies"]) == 3


def test_complaint_goes_received_handling_resolved_closed(company, api, customer, auditor):
    client = api(company.owner)
    created = client.post(url(customer, "complaints"), {"subject": "包装破损", "description": "两箱外包装破损"},
                          content_type=JSON)
    assert created.status_code == 201 and created.json()["state"] == "received"
    transition = f"/api/v1/complaints/{created.json()['id']}/transition/"

    def move(body, as_client=client):
        return as_client.post(transition, body, content_type=JSON)

    illegal = move({"to": "closed"})
    assert illegal.status_code == 409 and illegal.json()["error"]["code"] == "complaint_transition_invalid"
    assert move({"to": "handling"}, api(auditor)).status_code == 403
    assert move({"to": "handling"}, api(company.colleague)).status_code == 404
    handling = move({"to": "handling", "handler": company.custodian.pk})
    assert handling.status_code == 200 and handling.json()["handler"]["id"] == company.custodian.pk
    no_resolution = move({"to": "resolved", "resolution": "  "})
    assert no_resolution.status_code == 400 and no_resolution.json()["error"]["code"] == "resolution_required"
    # the person handling it may move it on without otherwise writing to the file
    resolved = move({"to": "resolved", "resolution": "补发两箱，客户认可"}, api(company.custodian))
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    closed = move({"to": "closed"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed" and closed.json()["closed_at"]
    assert move({"to": "handling"}).json()["error"]["code"] == "complaint_transition_invalid"
    assert move({"to": "settled"}).status_code == 400
    unknown_handler = move({"to": "handling", "handler": 999_999})
    assert unknown_handler.status_code == 400 and "handler" in unknown_handler.json()["error"]["fields"]
    complaint = Complaint.objects.get()
    assert complaint.state == "closed" and complaint.resolution == "补发两箱，客户认可"
    listed = client.get(url(customer, "complaints")).json()["results"]
    assert listed[0]["state"] == "closed" and listed[0]["recorded_by"]["id"] == company.owner.pk


def test_communications_service_records_and_surveys(company, api, customer):
    client = api(company.owner)
    communication = client.post(url(customer, "communications"),
                                {"summary": "电话回访，客户希望增加月度供货", "channel": "phone", "contact_name": "王经理",
                                 "occurred_at": "2026-03-02T10:00:00+08:00"}, content_type=JSON)
    assert communication.status_code == 201 and communication.json()["channel"] == "phone"
    assert client.post(url(customer, "communications"), {"summary": ""}, content_type=JSON).status_code == 400
    service = client.post(url(customer, "service-records"),
                          {"served_on": "2026-03-03", "kind": "技术培训", "description": "门店员工 GSP 培训"},
                          content_type=JSON)
    assert service.status_code == 201
    survey = client.post(url(customer, "surveys"), {"surveyed_on": "2026-03-04", "score": 5, "comment": "满意"},
                         content_type=JSON)
    assert survey.status_code == 201 and survey.json()["score"] == 5
    too_high = client.post(url(customer, "surveys"), {"surveyed_on": "2026-03-04", "score": 6}, content_type=JSON)
    assert too_high.status_code == 400 and "score" in too_high.json()["error"]["fields"]
    assert [r["summary"] for r in client.get(url(customer, "communications")).json()["results"]] == [
        "电话回访，客户希望增加月度供货"]
    assert [r["kind"] for r in client.get(url(customer, "service-records")).json()["results"]] == ["技术培训"]
    assert [r["score"] for r in client.get(url(customer, "surveys")).json()["results"]] == [5]
    assert Customer.objects.get(pk=customer.pk).surveys.count() == 1


def test_idempotent_ledger_create_runs_once(company, api, customer):
    client = api(company.owner)
    first = client.post(url(customer, "ledger"), LEDGER, content_type=JSON, HTTP_IDEMPOTENCY_KEY="ledger-1")
    again = client.post(url(customer, "ledger"), LEDGER, content_type=JSON, HTTP_IDEMPOTENCY_KEY="ledger-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert SalesLedgerEntry.objects.count() == 1
