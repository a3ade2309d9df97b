"""The dashboard's "my tasks" lists what waits for this person's decision in the governance
registers too: a destruction list at their step of the chain, a loan request they may approve,
a classified-file access request they may decide — and nothing of it for anyone else."""
from dangan.accounts import roles
from dangan.governance.models import ConfidentialityLevel
from dangan.governance.services import borrowing, confidentiality, disposition
from tests.governance.registers import days_from_today
from tests.web.conftest import text_of


def test_a_destruction_list_waits_on_the_dashboard_of_the_current_step_only(company, web, listed, chain):
    disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    assert listed.number in text_of(web(chain.chief).get("/"))  # step 1: the section chief
    assert listed.number not in text_of(web(chain.office).get("/"))
    disposition.disposition_batch_approve(actor=chain.chief, batch=listed, step=0)
    assert listed.number not in text_of(web(chain.chief).get("/"))
    assert listed.number in text_of(web(chain.office).get("/"))
    assert listed.number not in text_of(web(company.owner).get("/"))


def test_loan_and_access_requests_wait_on_the_approvers_dashboard(company, web, new_customer, person):
    deputy = person("fu@x.cn", "冯副总", roles.DEPUTY_MANAGER)
    customer = new_customer(name="借阅客户")
    loan = borrowing.loan_request(actor=company.owner, customer=customer, medium="electronic", purpose="核对",
                                  due_date=days_from_today(3))
    secret = confidentiality.customer_confidentiality_set(actor=company.custodian, customer=new_customer(name="机密客户"),
                                                 level=ConfidentialityLevel.objects.get(code="secret"), reason="秘密")
    request = confidentiality.access_request_create(actor=company.owner, customer=secret, reason="核对条款", days=1)

    supervisor_page = text_of(web(company.supervisor).get("/"))
    assert loan.number in supervisor_page  # the borrower's department head decides loans
    deputy_page = text_of(web(deputy).get("/"))
    assert "/access-requests/" in deputy_page and secret.archive_number in deputy_page
    owner_page = text_of(web(company.owner).get("/"))  # the requester decides neither
    assert loan.number not in owner_page and "没有待审批的查阅申请" in owner_page
    assert request.state == "pending"
