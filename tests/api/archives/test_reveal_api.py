"""Revealing a masked value (R6): an explicit request naming the field, with a reason; only
roles of the company's masking policy; every reveal is in the query log with its reason —
over REST and from the web page's form."""
import pytest

from dangan.archives.models import SalesLedgerEntry
from dangan.governance.models import AccessRecord

ID_NUMBER = "110101199003071233"


@pytest.fixture
def person(company, new_customer):
    customer = new_customer(category="gr", kind="individual", name="王先生",
                            custom_fields={"id_number": ID_NUMBER, "mobile": "13912345678"})
    SalesLedgerEntry.objects.create(customer=customer, sale_date="2026-03-02", product_name="阿莫西林胶囊",
                                    buyer_contact="13600001111", created_by=company.owner)
    return customer


def reveal(client, customer, **body):
    return client.post(f"/api/v1/customers/{customer.pk}/reveal/", body, content_type="application/json")


def test_a_supervisor_reveals_a_value_with_a_reason_and_it_is_logged(company, api, person):
    response = reveal(api(company.supervisor), person, field="custom_fields.id_number", reason="核对客户身份，合同领取")
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "custom_fields.id_number", "label": "身份证号", "value": ID_NUMBER}
    assert response["Cache-Control"] == "no-store"
    record = AccessRecord.objects.get(action=AccessRecord.Action.REVEAL)
    assert (record.user_id, record.customer_ids, record.reason) == (company.supervisor.pk, [person.pk],
                                                                   "核对客户身份，合同领取")
    assert record.query == {"field": "custom_fields.id_number", "label": "身份证号"}
    assert ID_NUMBER not in str(record.query)  # the log says what was revealed, never the value


def test_contacts_and_ledger_values_are_revealed_by_their_path(company, api, person):
    client = api(company.supervisor)
    assert reveal(client, person, field="contacts.0.phone", reason="回访").json()["value"] == "13812345678"
    entry = person.ledger_entries.get()
    assert reveal(client, person, field=f"ledger.{entry.pk}.buyer_contact", reason="召回通知").json()["value"] == \
        "13600001111"
    assert AccessRecord.objects.filter(action="reveal").count() == 2


def test_a_reveal_without_a_reason_is_refused_and_not_logged(company, api, person):
    for body in ({"field": "contacts.0.phone"}, {"field": "contacts.0.phone", "reason": "   "}):
        response = reveal(api(company.supervisor), person, **body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] in ("validation_failed", "reason_required")
        assert "reason" in response.json()["error"]["fields"]
    assert not AccessRecord.objects.filter(action="reveal").exists()


def test_roles_outside_the_policy_may_not_reveal(company, api, person):
    # the administrator sees every file, but runs the system: not a reader of personal data
    response = reveal(api(company.admin), person, field="custom_fields.id_number", reason="想看看")
    assert response.status_code == 403 and response.json()["error"]["code"] == "reveal_not_allowed"
    assert response.json()["error"]["message"]["zh-hans"] and response.json()["error"]["message"]["en"]
    assert not AccessRecord.objects.filter(action="reveal").exists()


def test_only_sensitive_fields_of_the_file_can_be_named(company, api, person, new_customer):
    client = api(company.supervisor)
    for field in ("name", "custom_fields.nothing", "contacts.5.phone", "contacts.0.email",
                  "ledger.999999.buyer_contact"):
        response = reveal(client, person, field=field, reason="核对")
        assert response.status_code == 400 and response.json()["error"]["code"] == "reveal_field_unknown", field
    other = new_customer(name="另一个客户")
    other_entry = SalesLedgerEntry.objects.create(customer=other, sale_date="2026-03-02", product_name="x",
                                                  buyer_contact="13500000000", created_by=company.owner)
    response = reveal(client, person, field=f"ledger.{other_entry.pk}.buyer_contact", reason="核对")
    assert response.json()["error"]["code"] == "reveal_field_unknown"  # another file's row


def test_a_file_one_cannot_see_cannot_be_revealed(company, api, person, other_company):
    assert reveal(api(company.outsider), person, field="contacts.0.phone", reason="x").status_code == 404
    assert reveal(api(company.other_supervisor), person, field="contacts.0.phone", reason="x").status_code == 404
    assert reveal(other_company, person, field="contacts.0.phone", reason="x").status_code == 404
    assert not AccessRecord.objects.filter(action="reveal").exists()


def test_the_web_page_reveals_with_a_reason(company, tenant_client, person):
    client = tenant_client(company.tenant)
    client.force_login(company.supervisor)
    url = f"/customers/{person.pk}/reveal/"
    refused = client.post(url, {"field": "custom_fields.id_number", "reason": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and ID_NUMBER not in refused.content.decode()
    shown = client.post(url, {"field": "custom_fields.id_number", "reason": "合同领取核对"}, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and ID_NUMBER in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    assert AccessRecord.objects.get(action="reveal").reason == "合同领取核对"
    full_page = client.post(url, {"field": "contacts.0.phone", "reason": "回访"})
    assert full_page.status_code == 200 and "13812345678" in full_page.content.decode()
    admin = tenant_client(company.tenant)
    admin.force_login(company.admin)
    denied = admin.post(url, {"field": "contacts.0.phone", "reason": "想看看"})
    assert denied.status_code == 403 and "13812345678" not in denied.content.decode()
    outsider = tenant_client(company.tenant)
    outsider.force_login(company.outsider)
    assert outsider.post(url, {"field": "contacts.0.phone", "reason": "x"}).status_code == 404
    assert AccessRecord.objects.filter(action="reveal").count() == 2
