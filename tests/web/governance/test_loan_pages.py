"""The 借阅登记 page: the list with filters, the request form (from the 360 page), and the
approve / lend / return / cancel buttons each person gets — posting them runs the services;
refusals come back as the services' messages; another company's people see nothing."""
import re

from dangan.accounts import roles
from dangan.governance.models import Loan
from tests.governance.registers import archive, days_from_today, loan_at  # noqa: F401 (fixtures)
from tests.web.conftest import scripts_without_src, text_of


def test_the_menu_and_the_360_page_lead_to_the_register(company, web, archive):
    client = web(company.owner)
    home = text_of(client.get("/"))
    assert 'href="/loans/"' in home and "借阅登记" in home
    assert 'href="/pickups/"' not in home  # the pick-up register is for custodians and auditors
    assert 'href="/pickups/"' in text_of(web(company.custodian).get("/"))
    page = text_of(client.get(f"/customers/{archive.customer.pk}/"))
    assert f"/loans/new/?customer={archive.customer.pk}" in page and f"/loans/?customer={archive.customer.pk}" in page


def test_requesting_a_loan_from_the_form(company, web, archive):
    client = web(company.owner)
    lookup = text_of(client.get("/loans/new/"))
    assert 'name="archive_number"' in lookup
    missing = text_of(client.get("/loans/new/?archive_number=NOPE-1"))
    assert "没有找到您可借阅的该编号档案" in missing
    form = text_of(client.get(f"/loans/new/?archive_number={archive.customer.archive_number}"))
    assert "购销合同原件" in form and 'name="due_date"' in form and 'value="paper"' in form
    assert not scripts_without_src(form)

    refused = client.post("/loans/new/", {"customer": archive.customer.pk, "medium": "paper", "purpose": "核对",
                                          "due_date": days_from_today(90).isoformat()})
    assert refused.status_code == 200 and "应还日期须在" in text_of(refused)
    response = client.post("/loans/new/", {"customer": archive.customer.pk, "document": archive.contract.pk,
                                           "medium": "paper", "purpose": "核对合同原件",
                                           "due_date": days_from_today(5).isoformat()})
    assert response.status_code == 302 and response["Location"] == "/loans/?scope=mine"
    loan = Loan.objects.get()
    assert loan.document == archive.contract and loan.borrower == company.owner and loan.state == "requested"
    listing = text_of(client.get(response["Location"]))
    assert loan.number in listing and "待审批" in listing and f"/loans/{loan.pk}/cancel/" in listing
    assert web(company.outsider).post("/loans/new/", {"customer": archive.customer.pk, "medium": "paper",
                                                       "purpose": "x", "due_date": days_from_today(5)}).status_code == 404


def _buttons(html: str, loan) -> set[str]:
    return set(re.findall(rf"/loans/{loan.pk}/([a-z]+)/", html))


def test_each_person_gets_the_buttons_the_services_would_accept(company, web, archive, loan_at):
    loan = loan_at()
    assert _buttons(text_of(web(company.owner).get("/loans/")), loan) == {"cancel"}
    assert _buttons(text_of(web(company.supervisor).get("/loans/?scope=to_decide")), loan) == {"approve", "reject"}
    assert _buttons(text_of(web(company.custodian).get("/loans/")), loan) == set()
    assert loan.number not in text_of(web(company.other_supervisor).get("/loans/"))

    response = web(company.supervisor).post(f"/loans/{loan.pk}/approve/", {"reason": "同意", "query": "scope=to_decide"})
    assert response.status_code == 302 and response["Location"] == "/loans/?scope=to_decide"
    loan.refresh_from_db()
    assert loan.state == "approved" and loan.approver_snapshot["role"] == roles.SUPERVISOR
    keeper = web(company.custodian)
    assert _buttons(text_of(keeper.get("/loans/")), loan) == {"lend"}
    keeper.post(f"/loans/{loan.pk}/lend/")
    loan.refresh_from_db()
    assert loan.state == "lent"
    page = text_of(keeper.get("/loans/?scope=open"))
    assert _buttons(page, loan) == {"return"} and "一号档案室 / A 柜 / 第 1 层 / 同仁堂档案袋" in page
    # The 360 page shows the paper is out, and with whom.
    detail = text_of(web(company.owner).get(f"/customers/{archive.customer.pk}/"))
    assert "纸质原件借出中" in detail and "借阅人 张三" in detail
    keeper.post(f"/loans/{loan.pk}/return/", {"note": "完好"})
    loan.refresh_from_db()
    assert loan.state == "returned" and loan.return_note == "完好"


def test_a_refusal_comes_back_as_the_services_message(company, web, loan_at):
    loan = loan_at()
    client = web(company.owner)
    response = client.post(f"/loans/{loan.pk}/approve/", {"reason": ""}, follow=True)
    assert "不能审批自己的借阅申请" in text_of(response)
    response = web(company.custodian).post(f"/loans/{loan.pk}/lend/", follow=True)
    assert "当前为“待审批”，不能借出" in text_of(response)
    loan.refresh_from_db()
    assert loan.state == "requested"
    assert client.post(f"/loans/{loan.pk}/explode/").status_code == 404
    assert client.get(f"/loans/{loan.pk}/approve/").status_code == 405


def test_filters_refresh_the_results_with_htmx(company, web, loan_at):
    loan = loan_at()
    client = web(company.custodian)
    partial = text_of(client.get("/loans/?state=requested", HTTP_HX_REQUEST="true"))
    assert loan.number in partial and "<html" not in partial
    assert loan.number not in text_of(client.get("/loans/?state=returned", HTTP_HX_REQUEST="true"))
    assert loan.number in text_of(client.get(f"/loans/?q={loan.number}"))


def test_another_companys_people_see_nothing(company, web, loan_at, make_tenant, tenant_client):
    from django.db import connection

    loan = loan_at()
    current = connection.tenant
    connection.set_schema_to_public()
    other = make_tenant(company_name="另一家公司")
    connection.set_tenant(other)
    from dangan.accounts.models import User

    admin = User.objects.get(email=other.admin_email)
    client = tenant_client(other)
    client.force_login(admin)
    connection.set_tenant(current)
    assert loan.number not in text_of(client.get("/loans/"))
    assert client.post(f"/loans/{loan.pk}/approve/").status_code == 404
    # Our host does not know their session.
    stranger = tenant_client(company.tenant)
    stranger.cookies = client.cookies
    response = stranger.get("/loans/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
