"""The 密级档案 pages: a member of the owning department sees a classified file only as a row of
the register (number, level, department), asks to read it, an approver decides on the requests
page, and the file opens for the days granted. Refusals come back as the services' messages;
another company's people reach nothing."""
from django.contrib.auth.models import Group

from dangan.accounts import roles
from dangan.accounts.models import User
from dangan.governance.models import AccessRequest, ConfidentialityLevel
from dangan.governance.services import confidentiality as conf
from tests.web.conftest import scripts_without_src, text_of


def _classified(company, new_customer):
    customer = new_customer(name="机密客户乙")
    return conf.customer_confidentiality_set(actor=company.custodian, customer=customer,
                                             level=ConfidentialityLevel.objects.get(code="secret"), reason="商业秘密")


def _deputy():
    user = User.objects.create_user(email="fu@x.cn", password="pw-Classified-2026", full_name="冯副总")
    user.groups.set(Group.objects.filter(name=roles.DEPUTY_MANAGER))
    return user


def test_request_approve_and_read_a_classified_file(company, new_customer, web):
    customer = _classified(company, new_customer)
    deputy = _deputy()
    owner = web(company.owner)
    assert owner.get(f"/customers/{customer.pk}/").status_code == 404

    register = text_of(owner.get("/classified/"))
    assert customer.archive_number in register and "秘密" in register
    assert "机密客户乙" not in register  # existence only, never the content
    assert f"/classified/{customer.pk}/request/" in register and not scripts_without_src(register)

    response = owner.post(f"/classified/{customer.pk}/request/", {"reason": "核对合同条款", "days": 2})
    assert response.status_code == 302 and response["Location"] == "/access-requests/"
    request = AccessRequest.objects.get()
    assert request.requester == company.owner and request.days == 2 and request.state == "pending"
    assert "待审批" in text_of(owner.get("/access-requests/"))

    # The requester cannot approve their own request: the page shows the service's refusal.
    assert owner.post(f"/access-requests/{request.pk}/approve/", {}).status_code == 302
    assert "不能审批自己的查阅申请" in text_of(owner.get("/access-requests/"))
    assert AccessRequest.objects.get().state == "pending"

    approver = web(deputy)
    inbox = text_of(approver.get("/access-requests/"))
    assert "核对合同条款" in inbox and f"/access-requests/{request.pk}/approve/" in inbox
    assert approver.post(f"/access-requests/{request.pk}/approve/", {"reason": "同意"}).status_code == 302
    assert AccessRequest.objects.get().state == "approved"

    page = owner.get(f"/customers/{customer.pk}/")
    assert page.status_code == 200 and "机密客户乙" in text_of(page)


def test_a_rejection_needs_a_reason_and_keeps_the_file_closed(company, new_customer, web):
    customer = _classified(company, new_customer)
    deputy = _deputy()
    request = conf.access_request_create(actor=company.owner, customer=customer, reason="查看", days=1)
    approver = web(deputy)
    approver.post(f"/access-requests/{request.pk}/reject/", {"reason": ""})
    assert AccessRequest.objects.get().state == "pending"
    assert "请填写原因" in text_of(approver.get("/access-requests/"))
    approver.post(f"/access-requests/{request.pk}/reject/", {"reason": "理由不充分"})
    assert AccessRequest.objects.get().state == "rejected"
    assert web(company.owner).get(f"/customers/{customer.pk}/").status_code == 404


def test_people_outside_the_department_and_other_companies_reach_nothing(company, new_customer, web, stranger):
    customer = _classified(company, new_customer)
    outsider = web(company.outsider)  # a salesperson of another department
    assert customer.archive_number not in text_of(outsider.get("/classified/"))
    assert outsider.post(f"/classified/{customer.pk}/request/", {"reason": "看看", "days": 1}).status_code == 404
    assert not AccessRequest.objects.exists()

    request = conf.access_request_create(actor=company.owner, customer=customer, reason="核对", days=1)
    assert stranger.get("/classified/").status_code in (302, 403, 404)
    assert stranger.post(f"/access-requests/{request.pk}/approve/", {}).status_code in (302, 403, 404)
    assert AccessRequest.objects.get().state == "pending"
    # A colleague who is no approver cannot decide either.
    assert web(company.supervisor).post(f"/access-requests/{request.pk}/approve/", {}).status_code == 404
    assert AccessRequest.objects.get().state == "pending"


def test_the_menu_leads_to_the_register(company, web):
    assert 'href="/classified/"' in text_of(web(company.owner).get("/"))
