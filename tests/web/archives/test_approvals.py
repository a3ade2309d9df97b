"""The approvals inbox: reviews for supervisors, filing for custodians, change requests."""
from dangan.archives.services import lifecycle
from dangan.archives.services.customers import customer_update
from tests.web.conftest import text_of


def test_supervisor_reviews_from_the_inbox(company, web, new_customer):
    customer = new_customer(name="收件箱药店")
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    client = web(company.supervisor)
    page = text_of(client.get("/approvals/"))
    assert "收件箱药店" in page and f"/customers/{customer.pk}/actions/approve/" in page
    response = client.post(f"/customers/{customer.pk}/actions/approve/", {"next": "/approvals/"})
    assert response.status_code == 302 and response["Location"] == "/approvals/"
    customer.refresh_from_db()
    assert customer.state == "approved"
    assert "收件箱药店" not in text_of(client.get("/approvals/"))


def test_next_never_leaves_the_site(company, web, new_customer):
    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    response = web(company.supervisor).post(f"/customers/{customer.pk}/actions/approve/",
                                            {"next": "https://evil.example/"})
    assert response["Location"] == f"/customers/{customer.pk}/"


def test_custodian_files_from_the_inbox(company, web, new_customer):
    customer = new_customer(name="待归档客户")
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    client = web(company.custodian)
    assert "待归档客户" in text_of(client.get("/approvals/"))
    client.post(f"/customers/{customer.pk}/actions/file/", {"next": "/approvals/"})
    customer.refresh_from_db()
    assert customer.state == "filed"


def test_change_requests_wait_in_the_supervisors_inbox(company, web, new_customer):
    customer = new_customer(name="变更客户")
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    _, request = customer_update(actor=company.owner, customer=customer, data={"address": "新地址"}, reason="搬迁")
    page = text_of(web(company.supervisor).get("/approvals/"))
    assert "变更客户" in page and "新地址" in page and "搬迁" in page
    assert f"/change-requests/{request.pk}/reject/" in page
    assert "没有待审批的变更申请" in text_of(web(company.owner).get("/approvals/"))
    response = web(company.supervisor).post(f"/change-requests/{request.pk}/reject/",
                                            {"reason": "地址未核实", "next": "/approvals/"})
    assert response["Location"] == "/approvals/"
    request.refresh_from_db()
    assert request.state == "rejected" and request.decision_reason == "地址未核实"
