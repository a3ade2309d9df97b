"""The borrowing register (借阅登记): request → approval → lending → return, with every illegal
transition refused cleanly, approvals by the right person only (never the borrower, the role
held at that moment, classified files by the confidentiality approvers), paper lent from its
location to one person at a time, and electronic loans through time-boxed access grants."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group

from dangan.accounts import roles
from dangan.governance.models import AuditEvent, Loan
from dangan.governance.selectors import (
    loan_actions, loan_list, loans_awaiting_decision, open_paper_loans, paper_loan_of_document,
)
from dangan.governance.services import borrowing
from dangan.platform.errors import ApplicationError
from tests.governance.registers import archive, classify, days_from_today, loan_at  # noqa: F401 (fixtures)


def _refused(callable_, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        callable_(**kwargs)
    return caught.value


def _actions(loan) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="governance.loan", object_id=str(loan.pk))
                .order_by("seq").values_list("action", flat=True))


def test_a_paper_loan_goes_from_request_to_return(company, archive):
    loan = borrowing.loan_request(actor=company.owner, customer=archive.customer, medium="paper",
                                  purpose="客户对账，需核对原件", due_date=days_from_today(7))
    assert loan.state == "requested" and loan.number == f"JY-{days_from_today(0).year}-{loan.pk:06d}"
    assert loan.archive_number == archive.customer.archive_number and loan.borrower_snapshot["name"] == "张三"

    loan = borrowing.loan_approve(actor=company.supervisor, loan=loan, reason="同意")
    assert loan.state == "approved" and loan.approver == company.supervisor
    # The approval keeps who decided, in which role and department, as they were then.
    assert loan.approver_snapshot["name"] == "赵主管" and loan.approver_snapshot["role"] == roles.SUPERVISOR
    assert [d["code"] for d in loan.approver_snapshot["departments"]] == ["sales1"]

    loan = borrowing.loan_lend(actor=company.custodian, loan=loan)
    assert loan.state == "lent" and loan.lent_by == company.custodian and loan.location == archive.bag
    assert loan.location_snapshot["path"] == "一号档案室 / A 柜 / 第 1 层 / 同仁堂档案袋"
    # The paper's place shows it is out, and to whom — for the file and for each document in it.
    assert list(open_paper_loans(customer=archive.customer)) == [loan]
    held = paper_loan_of_document(archive.contract)
    assert held == loan and held.borrower.full_name == "张三"

    loan = borrowing.loan_return(actor=company.custodian, loan=loan, note="完好")
    assert loan.state == "returned" and loan.returned_to == company.custodian and loan.return_note == "完好"
    assert list(open_paper_loans(customer=archive.customer)) == []
    assert paper_loan_of_document(archive.contract) is None
    assert _actions(loan) == ["loan.request", "loan.approve", "loan.lend", "loan.return"]


@pytest.mark.parametrize("state, action, call", [
    ("requested", "lend", lambda c, loan: borrowing.loan_lend(actor=c.custodian, loan=loan)),
    ("requested", "return", lambda c, loan: borrowing.loan_return(actor=c.custodian, loan=loan)),
    ("approved", "approve", lambda c, loan: borrowing.loan_approve(actor=c.supervisor, loan=loan)),
    ("approved", "reject", lambda c, loan: borrowing.loan_reject(actor=c.supervisor, loan=loan, reason="不同意")),
    ("approved", "return", lambda c, loan: borrowing.loan_return(actor=c.custodian, loan=loan)),
    ("lent", "lend", lambda c, loan: borrowing.loan_lend(actor=c.custodian, loan=loan)),
    ("lent", "cancel", lambda c, loan: borrowing.loan_cancel(actor=c.owner, loan=loan)),
    ("lent", "approve", lambda c, loan: borrowing.loan_approve(actor=c.supervisor, loan=loan)),
    ("returned", "return", lambda c, loan: borrowing.loan_return(actor=c.custodian, loan=loan)),
    ("returned", "lend", lambda c, loan: borrowing.loan_lend(actor=c.custodian, loan=loan)),
    ("returned", "cancel", lambda c, loan: borrowing.loan_cancel(actor=c.owner, loan=loan)),
])
def test_every_illegal_transition_is_refused_with_a_clear_409(company, loan_at, state, action, call):
    loan = loan_at(state)
    with pytest.raises(ApplicationError) as caught:
        call(company, loan)
    error = caught.value
    assert error.code == "loan_state_invalid" and error.status == 409
    assert loan.number in error.message()["zh-hans"] and loan.get_state_display() in error.message()["zh-hans"]
    loan.refresh_from_db()
    assert loan.state == state  # nothing changed


def test_rejected_and_cancelled_loans_are_final(company, loan_at):
    rejected = borrowing.loan_reject(actor=company.supervisor, loan=loan_at(), reason="用途不明确")
    assert rejected.state == "rejected" and rejected.decision_reason == "用途不明确"
    assert rejected.approver_snapshot["role"] == roles.SUPERVISOR
    assert _refused(borrowing.loan_approve, actor=company.supervisor, loan=rejected).code == "loan_state_invalid"
    assert _refused(borrowing.loan_lend, actor=company.custodian, loan=rejected).code == "loan_state_invalid"
    assert _refused(borrowing.loan_reject, actor=company.supervisor, loan=loan_at(), reason=" ").code == \
        "reason_required"

    approved = loan_at("approved")
    assert _refused(borrowing.loan_cancel, actor=company.colleague, loan=approved).code == "loan_not_borrower"
    cancelled = borrowing.loan_cancel(actor=company.owner, loan=approved)
    assert cancelled.state == "cancelled" and cancelled.cancelled_at is not None
    assert _refused(borrowing.loan_lend, actor=company.custodian, loan=cancelled).code == "loan_state_invalid"
    assert _refused(borrowing.loan_cancel, actor=company.owner, loan=cancelled).code == "loan_state_invalid"


def test_nobody_approves_their_own_loan(company, archive, loan_at):
    own = loan_at(borrower=company.supervisor)
    error = _refused(borrowing.loan_approve, actor=company.supervisor, loan=own)
    assert error.code == "loan_self_approval_forbidden" and error.status == 403
    from dangan.accounts.models import User

    # Someone else must be able to decide the deputy's request, or it is refused when made.
    general = User.objects.create_user(email="gm@x.cn", password="pw-Registers-2026", full_name="冯总")
    general.groups.set(Group.objects.filter(name=roles.GENERAL_MANAGER))
    deputy_own = loan_at(borrower=archive.deputy)
    assert _refused(borrowing.loan_approve, actor=archive.deputy, loan=deputy_own).code == \
        "loan_self_approval_forbidden"
    assert [person.pk for person in borrowing.approvers_for(deputy_own)] == [general.pk]
    assert borrowing.loan_approve(actor=archive.deputy, loan=own).state == "approved"


def test_approvers_lead_the_borrowers_department_or_hold_a_company_wide_role(company, archive, loan_at):
    loan = loan_at()
    for outsider in (company.colleague, company.custodian, company.other_supervisor):
        error = _refused(borrowing.loan_approve, actor=outsider, loan=loan)
        assert error.code == "loan_approver_required" and error.status == 403, outsider
    assert [found.pk for found in loans_awaiting_decision(user=company.other_supervisor)] == []
    assert [found.pk for found in loans_awaiting_decision(user=company.supervisor)] == [loan.pk]
    assert [found.pk for found in loans_awaiting_decision(user=archive.deputy)] == [loan.pk]
    approved = borrowing.loan_approve(actor=archive.deputy, loan=loan)
    assert approved.approver_snapshot["role"] == roles.DEPUTY_MANAGER


def test_a_role_lost_a_moment_ago_no_longer_approves(company, loan_at):
    loan = loan_at()
    assert loan_actions(user=company.supervisor, loans=[loan])[loan.pk] == {"approve", "reject"}
    company.supervisor.groups.remove(Group.objects.get(name=roles.SUPERVISOR))
    # The same user object (its role cache included) is refused: roles are read from the database.
    assert _refused(borrowing.loan_approve, actor=company.supervisor, loan=loan).code == "loan_approver_required"
    company.supervisor.is_active = False
    company.supervisor.save()
    assert _refused(borrowing.loan_approve, actor=company.supervisor, loan=loan).code == "loan_approver_required"


def test_the_company_chooses_its_approvers_and_longest_loan(company, archive, loan_at):
    assert borrowing.borrowing_policy() == {"approver_roles": borrowing.DEFAULT_APPROVER_ROLES, "max_days": 30}
    assert _refused(borrowing.borrowing_policy_set, actor=company.custodian, approver_roles=[roles.CUSTODIAN],
                    max_days=10).code == "permission_denied"
    assert _refused(borrowing.borrowing_policy_set, actor=company.admin, approver_roles=["无此角色"],
                    max_days=10).fields["approver_roles.0"][0]["code"] == "role_unknown"
    assert _refused(borrowing.borrowing_policy_set, actor=company.admin, approver_roles=[],
                    max_days=10).code == "loan_approver_roles_empty"
    assert _refused(borrowing.borrowing_policy_set, actor=company.admin, approver_roles=[roles.CUSTODIAN],
                    max_days=0).code == "loan_max_days_invalid"
    policy = borrowing.borrowing_policy_set(actor=company.admin, approver_roles=[roles.CUSTODIAN], max_days=10)
    assert policy == {"approver_roles": [roles.CUSTODIAN], "max_days": 10}
    assert AuditEvent.objects.filter(action="borrowing.policy_set").count() == 1

    loan = loan_at(due_in=10)
    assert _refused(borrowing.loan_approve, actor=company.supervisor, loan=loan).code == "loan_approver_required"
    assert borrowing.loan_approve(actor=company.custodian, loan=loan).approver_snapshot["role"] == roles.CUSTODIAN
    error = _refused(borrowing.loan_request, actor=company.owner, customer=archive.customer, medium="paper",
                     purpose="审计", due_date=days_from_today(11))
    assert error.code == "loan_due_date_invalid" and "10" in error.message()["zh-hans"]


def test_a_classified_file_is_lent_only_on_the_confidentiality_approvers_word(company, archive, loan_at, classify):
    classify(archive.customer)
    loan = loan_at(medium="electronic")
    error = _refused(borrowing.loan_approve, actor=company.supervisor, loan=loan)
    assert error.code == "loan_classified_approver_required" and roles.DEPUTY_MANAGER in error.message()["zh-hans"]
    assert [found.pk for found in loans_awaiting_decision(user=company.supervisor)] == []
    assert borrowing.loan_approve(actor=archive.deputy, loan=loan).approver_snapshot["role"] == roles.DEPUTY_MANAGER


def test_an_electronic_loan_opens_a_classified_file_until_the_due_date_and_return_closes_it(
        company, archive, loan_at, classify):
    from django.utils import timezone

    from dangan.archives.selectors import customers_visible_to
    from dangan.governance.selectors import has_live_access_grant

    classify(archive.customer)
    assert not customers_visible_to(company.owner).filter(pk=archive.customer.pk).exists()
    loan = loan_at("lent", medium="electronic", due_in=3)
    grant = loan.access_grant
    assert grant.user == company.owner and grant.source == "borrowing" and grant.source_id == str(loan.pk)
    end = timezone.make_aware(dt.datetime.combine(days_from_today(4), dt.time.min))
    assert grant.until == end  # the whole due date, in the company's time zone
    assert loan.location is None and list(open_paper_loans(customer=archive.customer)) == []
    assert has_live_access_grant(company.owner, archive.customer)
    assert customers_visible_to(company.owner).filter(pk=archive.customer.pk).exists()

    loan = borrowing.loan_return(actor=company.custodian, loan=loan)
    grant.refresh_from_db()
    assert loan.state == "returned" and grant.revoked_at is not None
    assert not has_live_access_grant(company.owner, archive.customer)
    assert not customers_visible_to(company.owner).filter(pk=archive.customer.pk).exists()


def test_paper_is_lent_to_one_person_at_a_time(company, archive, loan_at):
    whole_file = loan_at("lent")
    contract = loan_at("approved", borrower=company.colleague, document=archive.contract)
    error = _refused(borrowing.loan_lend, actor=company.custodian, loan=contract)
    assert error.code == "loan_paper_already_out" and error.status == 409
    assert whole_file.number in error.message()["zh-hans"] and "张三" in error.message()["zh-hans"]
    borrowing.loan_return(actor=company.custodian, loan=whole_file)
    contract = borrowing.loan_lend(actor=company.custodian, loan=contract)
    assert contract.state == "lent" and paper_loan_of_document(archive.contract) == contract
    # While one document is out, the whole file cannot leave either.
    again = loan_at("approved")
    assert _refused(borrowing.loan_lend, actor=company.custodian, loan=again).code == "loan_paper_already_out"
    # Electronic loans hold no paper.
    assert loan_at("lent", medium="electronic").state == "lent"


def test_only_a_custodian_lends_and_checks_in_and_never_their_own_loan(company, archive, loan_at):
    approved = loan_at("approved")
    for person in (company.supervisor, company.owner, archive.deputy):
        error = _refused(borrowing.loan_lend, actor=person, loan=approved)
        assert error.code == "loan_custodian_required" and error.status == 403
    keepers_own = loan_at("approved", borrower=company.custodian)
    assert _refused(borrowing.loan_lend, actor=company.custodian, loan=keepers_own).code == \
        "loan_own_handling_forbidden"
    lent = borrowing.loan_lend(actor=archive.second_keeper, loan=keepers_own)
    assert _refused(borrowing.loan_return, actor=company.custodian, loan=lent).code == "loan_own_handling_forbidden"
    assert _refused(borrowing.loan_return, actor=company.owner, loan=lent).code == "loan_custodian_required"
    assert borrowing.loan_return(actor=archive.second_keeper, loan=lent).state == "returned"


def test_requests_are_checked_before_anything_is_registered(company, archive, new_customer):
    from dangan.documents.services.documents import document_create

    def request(**overrides):
        values = {"actor": company.owner, "customer": archive.customer, "medium": "paper", "purpose": "核对",
                  "due_date": days_from_today(5)}
        values.update(overrides)
        return _refused(borrowing.loan_request, **values)

    assert request(purpose="  ").fields["purpose"][0]["code"] == "loan_purpose_required"
    assert request(due_date=days_from_today(-1)).fields["due_date"][0]["code"] == "loan_due_date_invalid"
    assert request(due_date=days_from_today(31)).code == "loan_due_date_invalid"
    assert request(medium="fax").fields["medium"][0]["code"] == "loan_medium_invalid"
    elsewhere = new_customer(name="别家药店")
    other_document = document_create(actor=company.owner, customer=elsewhere, document_type="contract",
                                     title="别家合同")
    assert request(document=other_document).fields["document"][0]["code"] == "document_not_of_file"
    assert request(customer=elsewhere).code == "loan_no_paper_location"  # its paper has no recorded place
    # Another department's salesperson cannot ask for the file; a colleague may borrow its paper only.
    assert request(actor=company.outsider).code == "loan_file_unavailable"
    assert request(actor=company.colleague, medium="electronic").code == "loan_file_unavailable"
    assert borrowing.loan_request(actor=company.colleague, customer=archive.customer, medium="paper",
                                  purpose="同事借阅", due_date=days_from_today(5)).state == "requested"
    assert Loan.objects.count() == 1


def test_a_loan_whose_due_date_passed_before_lending_is_asked_again(company, loan_at):
    loan = loan_at("approved", due_in=0)
    Loan.objects.filter(pk=loan.pk).update(due_date=days_from_today(-1))
    error = _refused(borrowing.loan_lend, actor=company.custodian, loan=loan)
    assert error.code == "loan_due_date_passed" and error.status == 409


def test_loans_are_seen_by_the_people_they_concern(company, archive, loan_at):
    own = loan_at()
    colleague = loan_at(borrower=company.colleague)
    assert {loan.pk for loan in loan_list(user=company.owner)} == {own.pk}
    assert {loan.pk for loan in loan_list(user=company.supervisor)} == {own.pk, colleague.pk}
    assert {loan.pk for loan in loan_list(user=company.other_supervisor)} == set()
    assert {loan.pk for loan in loan_list(user=company.custodian)} == {own.pk, colleague.pk}
    assert {loan.pk for loan in loan_list(user=company.supervisor, filters={"mine": True})} == set()
    assert {loan.pk for loan in loan_list(user=company.supervisor, filters={"to_decide": True})} == \
        {own.pk, colleague.pk}
    assert {loan.pk for loan in loan_list(user=company.custodian, filters={"q": own.number})} == {own.pk}
    actions = loan_actions(user=company.owner, loans=[own])
    assert actions[own.pk] == {"cancel"}


def test_a_request_tells_everyone_who_may_decide_it(company, archive, django_capture_on_commit_callbacks,
                                                    eager_tasks):
    from django.core import mail

    from dangan.archives.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        loan = borrowing.loan_request(actor=company.owner, customer=archive.customer, medium="paper",
                                      purpose="客户对账", due_date=days_from_today(7))
    # 张三's department manager and the company-wide deputy; not 钱主管 (another department).
    assert {u.email for u in borrowing.approvers_for(loan)} == {"zhao@x.cn", "deputy@x.cn"}
    told = Notification.objects.filter(kind="loan_requested")
    assert {n.recipient.email for n in told} == {"zhao@x.cn", "deputy@x.cn"}
    assert all(loan.number in n.message and "客户对账" in n.message for n in told)
    assert sorted(address for message in mail.outbox for address in message.to) == ["deputy@x.cn", "zhao@x.cn"]

    borrowing.loan_approve(actor=company.supervisor, loan=loan)
    # Decided: off both approvers' unread lists, whoever decided.
    assert not Notification.objects.filter(kind="loan_requested", read_at__isnull=True).exists()


def test_a_request_nobody_could_decide_is_refused_with_the_reason(company, archive):
    from dangan.accounts.models import User

    archive.deputy.groups.clear()  # no company-wide approver left
    loner = User.objects.create_user(email="loner@x.cn", password="pw-Registers-2026", full_name="无部门")
    loner.groups.set(Group.objects.filter(name=roles.SALESPERSON))
    archive.customer.owner = loner
    archive.customer.save(update_fields=["owner"])
    error = _refused(borrowing.loan_request, actor=loner, customer=archive.customer, medium="paper",
                     purpose="对账", due_date=days_from_today(7))
    assert error.code == "loan_no_approver" and error.status == 409
    assert roles.DEPUTY_MANAGER in error.message()["zh-hans"] and "administrator" in error.message()["en"]
    assert not Loan.objects.exists()  # nothing half-made
    # The department's own people still can: their manager decides.
    assert borrowing.loan_request(actor=company.owner, customer=archive.customer, medium="paper",
                                  purpose="对账", due_date=days_from_today(7)).state == "requested"
