"""The customer "360" page: what it shows, who may open it (404 otherwise), its tabs, and the
life-cycle actions with the services' messages on refusal."""
import pytest
from django.utils import translation

from dangan.archives.models import ChangeRequest, Customer
from dangan.archives.services import lifecycle, records
from dangan.archives.services.customers import customer_update
from tests.web.conftest import text_of


def test_profile_shows_classification_contacts_and_custom_fields(company, web, category_with_fields, new_customer):
    customer = new_customer(category="car", name="车主王先生", custom_fields={"plate_no": "浙A12345", "fuel": "电动",
                                                                           "insured": True})
    page = text_of(web(company.owner).get(f"/customers/{customer.pk}/"))
    assert "车主王先生" in page and customer.archive_number in page
    assert "车牌号" in page and "浙A12345" in page  # label from the category's definition
    assert "燃料类型" in page and "电动" in page and "已投保" in page
    assert "王经理" in page and "13812345678" in page  # contact
    assert "华东片区" in page and "A 级" in page and "销售一部" in page
    assert "草稿" in page and "张三" in page


def test_another_companys_user_gets_404(company, new_customer, make_tenant, tenant_client):
    from django.db import connection

    customer = new_customer()
    connection.set_schema_to_public()
    other = make_tenant(company_name="另一家公司")
    connection.set_tenant(other)
    from dangan.accounts.models import User

    stranger = User.objects.get(email=other.admin_email)
    client = tenant_client(other)
    client.force_login(stranger)
    assert client.get(f"/customers/{customer.pk}/").status_code == 404
    # and on this company's host their session means nothing
    connection.set_tenant(company.tenant)
    intruder = tenant_client(company.tenant)
    intruder.cookies = client.cookies
    response = intruder.get(f"/customers/{customer.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_salesperson_gets_404_for_a_colleagues_customer(company, web, new_customer):
    customer = new_customer(actor=company.colleague)
    client = web(company.owner)
    for url in (f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/",
                f"/customers/{customer.pk}/sections/history/"):
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404, url
    assert client.post(f"/customers/{customer.pk}/actions/submit/").status_code == 404
    assert web(company.supervisor).get(f"/customers/{customer.pk}/").status_code == 200  # their department


def test_tabs_load_as_htmx_partials(company, web, new_customer):
    customer = new_customer()
    records.ledger_entry_create(actor=company.owner, customer=customer, sale_date="2026-03-01",
                                product_name="阿莫西林胶囊", product_batch="B2026", quantity="24")
    voucher = records.voucher_create(actor=company.owner, customer=customer, number="XS-0001", issued_on="2026-03-01")
    records.voucher_copy_mark(actor=company.owner, copy=voucher.copies.get(kind="stub"), received=True)
    records.communication_create(actor=company.owner, customer=customer, summary="电话回访，客户满意")
    records.service_record_create(actor=company.owner, customer=customer, served_on="2026-03-02", kind="上门",
                                  description="培训店员")
    records.survey_create(actor=company.owner, customer=customer, surveyed_on="2026-03-03", score=5, comment="很好")
    records.complaint_create(actor=company.owner, customer=customer, subject="包装破损", description="外箱破损")
    client = web(company.owner)
    expected = {"ledger": "阿莫西林胶囊", "vouchers": "随货同行联", "communications": "电话回访",
                "services": "培训店员", "surveys": "很好", "complaints": "包装破损", "history": "建档",
                "change_requests": "暂无变更申请"}
    for name, text in expected.items():
        partial = client.get(f"/customers/{customer.pk}/sections/{name}/", HTTP_HX_REQUEST="true")
        assert partial.status_code == 200 and text in text_of(partial) and "<html" not in text_of(partial), name
    vouchers = text_of(client.get(f"/customers/{customer.pk}/sections/vouchers/", HTTP_HX_REQUEST="true"))
    assert "存根联：已存档" in vouchers and "发票联：未收回" in vouchers
    full = client.get(f"/customers/{customer.pk}/?tab=complaints")
    assert "包装破损" in text_of(full)
    plain = client.get(f"/customers/{customer.pk}/sections/ledger/")
    assert plain.status_code == 302 and plain["Location"].endswith("?tab=ledger")
    assert client.get(f"/customers/{customer.pk}/sections/nothing/").status_code == 404


def test_history_shows_who_when_old_new_and_why(company, web, new_customer):
    customer = new_customer(address="杭州市西湖区")
    customer_update(actor=company.owner, customer=customer, data={"address": "杭州市滨江区"}, reason="客户搬迁")
    page = text_of(web(company.owner).get(f"/customers/{customer.pk}/sections/history/", HTTP_HX_REQUEST="true"))
    assert "杭州市西湖区" in page and "杭州市滨江区" in page and "客户搬迁" in page and "张三" in page
    assert "地址" in page and "修改" in page


def test_owner_sees_submit_and_supervisor_sees_approve(company, web, new_customer):
    customer = new_customer()
    owner_page = text_of(web(company.owner).get(f"/customers/{customer.pk}/"))
    assert f"/customers/{customer.pk}/actions/submit/" in owner_page
    assert f"/customers/{customer.pk}/actions/approve/" not in owner_page
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    supervisor_page = text_of(web(company.supervisor).get(f"/customers/{customer.pk}/"))
    assert f"/customers/{customer.pk}/actions/approve/" in supervisor_page
    assert f"/customers/{customer.pk}/actions/return/" in supervisor_page


def test_the_whole_life_cycle_through_the_pages(company, web, new_customer):
    customer = new_customer()
    url = f"/customers/{customer.pk}/actions"
    assert "已提交审核" in text_of(web(company.owner).post(f"{url}/submit/", follow=True))
    assert "已审核通过" in text_of(web(company.supervisor).post(f"{url}/approve/", follow=True))
    page = text_of(web(company.custodian).post(f"{url}/file/", follow=True))
    assert "已归档保管" in page
    customer.refresh_from_db()
    assert customer.state == "filed" and customer.custodian == company.custodian
    assert "已记录本次更新核对" in text_of(web(company.owner).post(f"{url}/review/", follow=True))
    assert "已封存" in text_of(web(company.custodian).post(f"{url}/archive/", {"reason": "两年无往来"}, follow=True))
    assert "已重新启用" in text_of(web(company.custodian).post(f"{url}/reactivate/", follow=True))


def test_return_needs_a_reason_and_shows_it(company, web, new_customer):
    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    client = web(company.supervisor)
    refused = text_of(client.post(f"/customers/{customer.pk}/actions/return/", {"reason": " "}, follow=True))
    assert "请填写原因。" in refused
    done = client.post(f"/customers/{customer.pk}/actions/return/", {"reason": "缺营业执照复印件"}, follow=True)
    assert "已退回修改" in text_of(done)
    owner_page = text_of(web(company.owner).get(f"/customers/{customer.pk}/"))
    assert "缺营业执照复印件" in owner_page and "退回修改" in owner_page


@pytest.mark.parametrize("language, message", [("zh-hans", "不能审核自己负责的档案。"), ("en", "Nobody reviews their own file.")])
def test_a_refused_action_shows_the_service_message_in_the_users_language(company, web, new_customer, language, message):
    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    client = web(company.owner, HTTP_ACCEPT_LANGUAGE=language)
    page = client.post(f"/customers/{customer.pk}/actions/approve/", follow=True)
    assert message in text_of(page)
    assert Customer.objects.get(pk=customer.pk).state == "submitted"


def test_unknown_actions_are_not_found(company, web, new_customer):
    customer = new_customer()
    assert web(company.owner).post(f"/customers/{customer.pk}/actions/destroy/").status_code == 404


def test_change_requests_are_decided_on_the_page(company, web, new_customer):
    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    _, request = customer_update(actor=company.owner, customer=customer, data={"name": "新名称药店"}, reason="工商变更")
    page = text_of(web(company.supervisor).get(f"/customers/{customer.pk}/"))
    assert "待审批的变更申请" in page and "新名称药店" in page and "工商变更" in page
    assert f"/change-requests/{request.pk}/approve/" in page
    owner_page = text_of(web(company.owner).get(f"/customers/{customer.pk}/"))
    assert f"/change-requests/{request.pk}/approve/" not in owner_page  # never one's own
    refused = web(company.supervisor).post(f"/change-requests/{request.pk}/reject/", {"reason": ""}, follow=True)
    assert "请填写原因。" in text_of(refused)
    approved = web(company.supervisor).post(f"/change-requests/{request.pk}/approve/", follow=True)
    assert "变更已批准并生效" in text_of(approved)
    customer.refresh_from_db()
    assert customer.name == "新名称药店"
    assert ChangeRequest.objects.get(pk=request.pk).state == "approved"


def test_change_request_of_an_invisible_file_is_not_found(company, web, new_customer):
    customer = new_customer(actor=company.colleague)
    lifecycle.customer_submit(actor=company.colleague, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    _, request = customer_update(actor=company.colleague, customer=customer, data={"name": "改"}, reason="r")
    assert web(company.owner).post(f"/change-requests/{request.pk}/approve/").status_code == 404


def test_dates_follow_the_language(company, web, new_customer):
    customer = new_customer(trading_since="2024-03-05")
    chinese = text_of(web(company.owner).get(f"/customers/{customer.pk}/"))
    assert "2024年3月5日" in chinese
    english = text_of(web(company.owner, HTTP_ACCEPT_LANGUAGE="en").get(f"/customers/{customer.pk}/"))
    with translation.override("en"):
        assert "March 5, 2024" in english
