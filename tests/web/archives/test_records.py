"""Adding to a customer file from its page (htmx forms over the real services): each section
gains its row and answers itself again, bad input comes back beside the fields in Chinese or
English, vouchers' copies and complaints move on, contacts are added — and only people who may
write to the file can, while another company reaches nothing."""
from __future__ import annotations

import pytest
from django.db import connection

from dangan.archives.models import (
    CommunicationRecord, Complaint, Contact, SalesLedgerEntry, SalesVoucher, SatisfactionSurvey, ServiceRecord,
)
from dangan.archives.services import lifecycle, records
from tests.api.archives.conftest import other_company  # noqa: F401
from tests.web.conftest import SCRIPT, text_of

HTMX = {"HTTP_HX_REQUEST": "true"}

VALID = {
    "ledger": ({"ledger-sale_date": "2026-03-01", "ledger-product_name": "阿莫西林胶囊", "ledger-quantity": "24",
                "ledger-product_batch": "B2026", "ledger-shelf_life_months": "24", "ledger-sales_type": "domestic"},
               SalesLedgerEntry, "阿莫西林胶囊"),
    "vouchers": ({"vouchers-number": "XS-0001", "vouchers-issued_on": "2026-03-01", "vouchers-amount": "1280.50"},
                 SalesVoucher, "XS-0001"),
    "communications": ({"communications-channel": "visit", "communications-contact_name": "王经理",
                        "communications-summary": "上门拜访，确认二季度订单"}, CommunicationRecord, "确认二季度订单"),
    "complaints": ({"complaints-subject": "包装破损", "complaints-description": "外箱破损两件"}, Complaint, "包装破损"),
    "services": ({"services-served_on": "2026-03-02", "services-kind": "技术培训", "services-description": "培训店员"},
                 ServiceRecord, "培训店员"),
    "surveys": ({"surveys-surveyed_on": "2026-03-03", "surveys-score": "5", "surveys-comment": "服务很好"},
                SatisfactionSurvey, "服务很好"),
}


@pytest.fixture
def customer(new_customer):
    return new_customer()


def add(client, customer, name, data, **headers):
    return client.post(f"/customers/{customer.pk}/records/{name}/", data, **headers)


def test_the_page_offers_an_add_form_in_each_section(company, web, customer):
    client = web(company.owner)
    page = text_of(client.get(f"/customers/{customer.pk}/"))
    assert "新增台帐记录" in page and 'name="ledger-product_name"' in page and "dangan/records.js" in page
    assert "添加联系人" in page
    for name in VALID:
        section = text_of(client.get(f"/customers/{customer.pk}/sections/{name}/", **HTMX))
        assert f'action="/customers/{customer.pk}/records/{name}/"' in section, name
    history = text_of(client.get(f"/customers/{customer.pk}/sections/history/", **HTMX))
    assert "/records/" not in history


@pytest.mark.parametrize("name", list(VALID))
def test_each_section_adds_its_row_and_answers_itself(company, web, customer, name):
    data, model, text = VALID[name]
    response = add(web(company.owner), customer, name, data, **HTMX)
    assert response.status_code == 200, text_of(response)
    html = text_of(response)
    assert text in html and "已添加" in html and "<html" not in html
    assert 'class="errors"' not in html  # the form comes back empty
    assert model.objects.filter(customer=customer).count() == 1


def test_a_ledger_row_with_a_shelf_life_sets_the_retention_and_last_activity(company, web, customer):
    add(web(company.owner), customer, "ledger", VALID["ledger"][0], **HTMX)
    customer.refresh_from_db()
    assert str(customer.last_activity_on) == "2026-03-01"
    entry = SalesLedgerEntry.objects.get()
    assert (entry.shelf_life_months, entry.product_batch, entry.created_by) == (24, "B2026", company.owner)


def test_a_negative_quantity_and_an_expiry_before_the_sale_come_back_beside_their_fields(company, web, customer):
    client = web(company.owner)
    form = text_of(client.get(f"/customers/{customer.pk}/sections/ledger/", **HTMX))
    assert 'name="ledger-quantity"' in form and 'min="0"' in form  # the browser stops it first
    html = text_of(add(client, customer, "ledger", {**VALID["ledger"][0], "ledger-quantity": "-5",
                                                    "ledger-expiry_date": "2025-01-01"}, **HTMX))
    assert "数量不能为负数。" in html and "有效期不能早于销售日期。" in html
    assert 'value="阿莫西林胶囊"' in html  # what was typed stays
    assert not SalesLedgerEntry.objects.exists()


def test_a_voucher_comes_with_its_three_copies_which_can_be_marked(company, web, customer):
    client = web(company.owner)
    html = text_of(add(client, customer, "vouchers", VALID["vouchers"][0], **HTMX))
    assert "存根联：未收回" in html and "发票联：未收回" in html and "随货同行联：未收回" in html
    stub = SalesVoucher.objects.get().copies.get(kind="stub")
    marked = client.post(f"/voucher-copies/{stub.pk}/", {"received": "true"}, **HTMX)
    assert marked.status_code == 200 and "存根联：已存档" in text_of(marked)
    stub.refresh_from_db()
    assert stub.received
    client.post(f"/voucher-copies/{stub.pk}/", {"received": "false"}, **HTMX)
    stub.refresh_from_db()
    assert not stub.received


def test_missing_fields_come_back_beside_the_field_in_chinese(company, web, customer):
    response = add(web(company.owner), customer, "ledger", {"ledger-sale_date": "2026-03-01"}, **HTMX)
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="id_ledger-product_name_error"' in html and "必填项" in html
    assert "提交的数据有误" in html and 'value="2026-03-01"' in html  # what was typed stays
    assert SalesLedgerEntry.objects.count() == 0


def test_errors_come_in_english_for_english_readers(company, web, customer, settings):
    client = web(company.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = add(client, customer, "surveys", {"surveys-surveyed_on": "not a date", "surveys-score": "5"}, **HTMX)
    assert response.status_code == 422
    assert "Enter a valid date." in text_of(response)


def test_the_services_own_refusals_come_back_on_the_form(company, web, customer):
    client = web(company.owner)
    add(client, customer, "vouchers", VALID["vouchers"][0], **HTMX)
    again = add(client, customer, "vouchers", VALID["vouchers"][0], **HTMX)  # the number is taken
    assert again.status_code == 422 and 'class="errors"' in text_of(again)
    assert SalesVoucher.objects.count() == 1


def test_complaints_move_through_their_states(company, web, customer):
    client = web(company.owner)
    add(client, customer, "complaints", VALID["complaints"][0], **HTMX)
    complaint = Complaint.objects.get()
    html = text_of(client.post(f"/complaints/{complaint.pk}/transition/", {"to": "handling"}, **HTMX))
    assert "处理中" in html and "登记处理结果" in html
    refused = text_of(client.post(f"/complaints/{complaint.pk}/transition/", {"to": "resolved"}, **HTMX))
    assert 'role="alert"' in refused and "处理结果" in refused
    complaint.refresh_from_db()
    assert complaint.state == "handling"
    client.post(f"/complaints/{complaint.pk}/transition/", {"to": "resolved", "resolution": "补发两件"}, **HTMX)
    closed = text_of(client.post(f"/complaints/{complaint.pk}/transition/", {"to": "closed"}, **HTMX))
    complaint.refresh_from_db()
    assert complaint.state == "closed" and complaint.resolution == "补发两件" and "已关闭" in closed


def test_a_contact_is_added_and_a_bad_phone_is_named(company, web, customer):
    client = web(company.owner)
    bad = client.post(f"/customers/{customer.pk}/contacts/", {"contact-name": "李会计", "contact-phone": "12345"},
                      **HTMX)
    assert bad.status_code == 422
    assert 'id="id_contact-phone_error"' in text_of(bad) and "请输入有效的电话号码" in text_of(bad)
    good = client.post(f"/customers/{customer.pk}/contacts/", {
        "contact-name": "李会计", "contact-phone": "13900001111", "contact-position": "会计", "contact-is_primary": "on"},
        **HTMX)
    assert good.status_code == 200 and "联系人已添加" in text_of(good) and 'id="contacts-card"' in text_of(good)
    contacts = {c.name: c.is_primary for c in Contact.objects.filter(customer=customer)}
    assert contacts == {"王经理": False, "李会计": True}


def test_a_contact_added_to_a_filed_file_waits_for_approval_when_contacts_are_important(company, web, customer):
    from dangan.archives.models import ArchiveSettings

    settings = ArchiveSettings.load()
    settings.important_fields = ["contacts"]
    settings.save()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    client = web(company.owner)
    without_reason = client.post(f"/customers/{customer.pk}/contacts/", {"contact-name": "李会计"}, **HTMX)
    assert without_reason.status_code == 422 and 'id="id_contact-reason_error"' in text_of(without_reason)
    response = client.post(f"/customers/{customer.pk}/contacts/", {"contact-name": "李会计", "contact-reason": "新增财务联系人"},
                           **HTMX)
    assert response.status_code == 200 and "已提交变更申请" in text_of(response)
    assert customer.contacts.count() == 1 and customer.change_requests.filter(state="pending").count() == 1


def test_user_text_in_rows_renders_as_text(company, web, customer):
    data = {"communications-summary": SCRIPT, "communications-contact_name": SCRIPT}
    html = text_of(add(web(company.owner), customer, "communications", data, **HTMX))
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_without_htmx_a_row_lands_back_on_the_page_and_errors_show_the_page(company, web, customer):
    client = web(company.owner)
    response = add(client, customer, "services", VALID["services"][0])
    assert response.status_code == 302 and response["Location"].endswith("?tab=services")
    assert "已添加" in text_of(client.get(response["Location"]))
    invalid = add(client, customer, "services", {"services-kind": "维修"})
    assert invalid.status_code == 422
    page = text_of(invalid)
    assert "<html" in page and 'id="id_services-served_on_error"' in page and 'value="维修"' in page


def test_people_who_may_only_read_get_no_forms_and_are_refused(company, web, customer):
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User

    auditor = User.objects.create_user(email="audit@x.cn", password="pw-Archive-2026", full_name="周审计")
    auditor.groups.add(Group.objects.get(name=roles.AUDITOR))
    client = web(auditor)
    page = text_of(client.get(f"/customers/{customer.pk}/"))
    assert "新增台帐记录" not in page and "添加联系人" not in page
    refused = add(client, customer, "ledger", VALID["ledger"][0], **HTMX)
    assert refused.status_code == 422 and "没有执行此操作的权限" in text_of(refused)
    assert SalesLedgerEntry.objects.count() == 0


def test_nobody_outside_the_file_reaches_its_records(company, web, customer, other_company):
    voucher = records.voucher_create(actor=company.owner, customer=customer, number="XS-9", issued_on="2026-03-01")
    complaint = records.complaint_create(actor=company.owner, customer=customer, subject="破损", description="外箱")
    stub = voucher.copies.get(kind="stub")
    attempts = [(f"/customers/{customer.pk}/records/{name}/", data) for name, (data, _m, _t) in VALID.items()]
    attempts += [(f"/customers/{customer.pk}/contacts/", {"contact-name": "外人"}),
                 (f"/voucher-copies/{stub.pk}/", {"received": "true"}),
                 (f"/complaints/{complaint.pk}/transition/", {"to": "handling"})]
    for client in (other_company, web(company.outsider)):
        for url, data in attempts:
            assert client.post(url, data, **HTMX).status_code == 404, url
    connection.set_tenant(company.tenant)
    stub.refresh_from_db()
    complaint.refresh_from_db()
    assert not stub.received and complaint.state == "received"
    assert SalesLedgerEntry.objects.count() == 0 and customer.contacts.count() == 1
    assert add(web(company.owner), customer, "nothing", {}, **HTMX).status_code == 404
