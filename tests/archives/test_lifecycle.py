"""Life cycle rules: only the owner submits, nobody reviews their own file, only a custodian files."""
import datetime as dt

import pytest

from dangan.archives.models import CustomerChange, Notification
from dangan.archives.services import lifecycle
from dangan.platform.errors import ApplicationError


def _error(callable_, **kwargs) -> str:
    with pytest.raises(ApplicationError) as caught:
        callable_(**kwargs)
    return caught.value.code


def test_the_whole_path_draft_to_filed(company, new_customer):
    customer = new_customer()
    customer = lifecycle.customer_submit(actor=company.owner, customer=customer)
    assert customer.state == "submitted"
    customer = lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    assert customer.state == "approved" and customer.approved_by == company.supervisor
    customer = lifecycle.customer_file(actor=company.custodian, customer=customer)
    assert customer.state == "filed" and customer.custodian == company.custodian
    assert customer.next_review_on == dt.date.today() + dt.timedelta(days=90)  # 经销商: quarterly
    actions = list(CustomerChange.objects.filter(customer=customer).order_by("at", "id").values_list("action", flat=True))
    assert actions == ["create", "create", "submit", "approve", "file"]


def test_only_the_owner_submits(company, new_customer):
    customer = new_customer()
    assert _error(lifecycle.customer_submit, actor=company.colleague, customer=customer) == "not_owner"
    assert _error(lifecycle.customer_submit, actor=company.supervisor, customer=customer) == "not_owner"


def test_nobody_reviews_their_own_file(company, new_customer):
    customer = new_customer(actor=company.supervisor, owner=company.supervisor)
    lifecycle.customer_submit(actor=company.supervisor, customer=customer)
    assert _error(lifecycle.customer_approve, actor=company.supervisor, customer=customer) == "self_review_forbidden"


def test_only_the_owners_supervisor_reviews(company, new_customer):
    customer = lifecycle.customer_submit(actor=company.owner, customer=new_customer())
    assert _error(lifecycle.customer_approve, actor=company.colleague, customer=customer) == "not_supervisor"
    assert _error(lifecycle.customer_approve, actor=company.other_supervisor, customer=customer) == "not_supervisor"
    assert _error(lifecycle.customer_approve, actor=company.custodian, customer=customer) == "not_supervisor"


def test_only_a_custodian_files(company, new_customer):
    customer = lifecycle.customer_submit(actor=company.owner, customer=new_customer())
    customer = lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    for actor in (company.owner, company.supervisor, company.admin):
        assert _error(lifecycle.customer_file, actor=actor, customer=customer) == "not_custodian"


def test_return_needs_a_reason_and_notifies_the_owner(company, new_customer):
    customer = lifecycle.customer_submit(actor=company.owner, customer=new_customer())
    assert _error(lifecycle.customer_return, actor=company.supervisor, customer=customer, reason=" ") == "reason_required"
    customer = lifecycle.customer_return(actor=company.supervisor, customer=customer, reason="缺少营业执照信息")
    assert customer.state == "returned" and customer.returned_reason == "缺少营业执照信息"
    assert Notification.objects.filter(recipient=company.owner, kind="file_returned").exists()
    customer = lifecycle.customer_submit(actor=company.owner, customer=customer)
    assert customer.state == "submitted" and customer.returned_reason == ""


def test_actions_out_of_order_are_refused(company, new_customer):
    customer = new_customer()
    assert _error(lifecycle.customer_approve, actor=company.supervisor, customer=customer) == "invalid_state"
    assert _error(lifecycle.customer_file, actor=company.custodian, customer=customer) == "invalid_state"


def _filed(company, new_customer, **overrides):
    customer = lifecycle.customer_submit(actor=company.owner, customer=new_customer(**overrides))
    customer = lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    return lifecycle.customer_file(actor=company.custodian, customer=customer)


def test_key_customers_are_reviewed_monthly(company, new_customer):
    customer = _filed(company, new_customer, is_key_customer=True)
    assert customer.next_review_on == dt.date.today() + dt.timedelta(days=30)
    assert lifecycle.review_interval_days(customer) == 30


def test_sweep_flags_overdue_reviews_once_and_reminds_the_owner(company, new_customer, mailoutbox,
                                                                django_capture_on_commit_callbacks, eager_tasks):
    customer = _filed(company, new_customer)
    later = customer.next_review_on + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = lifecycle.review_sweep(today=later)
    assert result["review_overdue"] == 1
    customer.refresh_from_db()
    assert customer.review_overdue
    assert Notification.objects.filter(recipient=company.owner, kind="review_overdue").count() == 1
    assert len(mailoutbox) == 1 and company.owner.email in mailoutbox[0].to
    assert lifecycle.review_sweep(today=later)["review_overdue"] == 0  # not twice
    lifecycle.customer_mark_reviewed(actor=company.owner, customer=customer)
    customer.refresh_from_db()
    assert not customer.review_overdue
    assert customer.next_review_on == dt.date.today() + dt.timedelta(days=90) and customer.last_reviewed_on == dt.date.today()


def test_sweep_flags_drafts_past_the_creation_deadline(company, new_customer):
    customer = new_customer()
    result = lifecycle.review_sweep(today=customer.creation_due_on + dt.timedelta(days=1))
    assert result["creation_overdue"] == 1
    assert Notification.objects.filter(kind="creation_overdue", customer=customer).exists()


def test_long_inactive_files_are_archived_and_stay_searchable(company, new_customer):
    from dangan.archives.selectors import customer_list

    customer = _filed(company, new_customer, name="沉睡客户")
    result = lifecycle.review_sweep(today=dt.date.today() + dt.timedelta(days=800))
    assert result["archived"] == 1
    customer.refresh_from_db()
    assert customer.state == "archived"
    assert list(customer_list(user=company.admin, filters={"q": "沉睡"})) == [customer]
    customer = lifecycle.customer_reactivate(actor=company.custodian, customer=customer)
    assert customer.state == "filed"
