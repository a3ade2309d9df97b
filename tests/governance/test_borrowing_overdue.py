"""The daily overdue job of the borrowing register: paper loans past due turn overdue, the
borrower and the lending custodian are reminded in the app and by e-mail (the first day, then
every few days, never twice a day); electronic loans past due are closed; the job runs for
every company through the platform dispatcher."""
import datetime as dt

from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from dangan.archives.models import Notification
from dangan.governance.models import AuditEvent, Loan, LoanReminder
from dangan.governance.services import borrowing
from tests.governance.registers import archive, classify, days_from_today, loan_at  # noqa: F401 (fixtures)


def _past_due(loan, days_late: int) -> dt.date:
    """Move the loan's due date into the past; returns the due date."""
    due = timezone.localdate() - dt.timedelta(days=days_late)
    Loan.objects.filter(pk=loan.pk).update(due_date=due)
    return due


def test_a_late_paper_loan_turns_overdue_and_its_borrower_is_reminded(company, loan_at,
                                                                     django_capture_on_commit_callbacks, eager_tasks):
    loan = loan_at("lent")
    due = _past_due(loan, 1)
    on_time = loan_at("lent", medium="electronic")
    with django_capture_on_commit_callbacks(execute=True):
        result = borrowing.loan_overdue_sweep()
    assert result == {"overdue": 1, "expired": 0, "reminded": 1}
    loan.refresh_from_db()
    assert loan.state == "overdue" and loan.overdue_since == due + dt.timedelta(days=1)
    on_time.refresh_from_db()
    assert on_time.state == "lent"

    reminder = LoanReminder.objects.get()
    assert reminder.loan == loan and reminder.days_overdue == 1 and reminder.sent_on == timezone.localdate()
    assert {r["email"] for r in reminder.recipients} == {"zhang@x.cn", "sun@x.cn"}  # borrower and lender
    notes = Notification.objects.filter(kind="loan_overdue")
    assert {n.recipient for n in notes} == {company.owner, company.custodian}
    assert all(loan.number in n.message and "逾期 1 天" in n.message for n in notes)
    assert sorted(address for message in mail.outbox for address in message.to) == ["sun@x.cn", "zhang@x.cn"]
    assert loan.number in mail.outbox[0].subject
    event = AuditEvent.objects.get(action="loan.overdue_sweep")
    assert event.summary["marked"] == [loan.number] and event.summary["reminded_loans"] == [loan.number]


def test_reminders_come_every_few_days_never_twice_a_day(company, loan_at):
    loan = loan_at("lent")
    _past_due(loan, 1)
    today = timezone.localdate()
    assert borrowing.loan_overdue_sweep(today=today)["reminded"] == 1
    assert borrowing.loan_overdue_sweep(today=today) == {"overdue": 0, "expired": 0, "reminded": 0}
    assert borrowing.loan_overdue_sweep(today=today + dt.timedelta(days=borrowing.REMINDER_INTERVAL_DAYS - 1)) \
        ["reminded"] == 0
    later = today + dt.timedelta(days=borrowing.REMINDER_INTERVAL_DAYS)
    assert borrowing.loan_overdue_sweep(today=later)["reminded"] == 1
    assert list(LoanReminder.objects.order_by("sent_on").values_list("sent_on", "days_overdue")) == \
        [(today, 1), (later, 1 + borrowing.REMINDER_INTERVAL_DAYS)]
    # Returned late: the reminders stop, the register keeps that it was late.
    loan = borrowing.loan_return(actor=company.custodian, loan=loan)
    assert loan.state == "returned" and loan.overdue_since is not None
    assert borrowing.loan_overdue_sweep(today=later + dt.timedelta(days=10))["reminded"] == 0
    assert AuditEvent.objects.filter(action="loan.return").last().summary["overdue"] is True


def test_an_electronic_loan_past_due_is_closed_not_chased(company, archive, loan_at, classify):
    from dangan.governance.selectors import has_live_access_grant

    classify(archive.customer)
    loan = loan_at("lent", medium="electronic", due_in=1)
    assert has_live_access_grant(company.owner, archive.customer)
    # Two days on, the grant (until the end of the due date) has run out by itself.
    result = borrowing.loan_overdue_sweep(today=timezone.localdate() + dt.timedelta(days=2))
    assert result == {"overdue": 0, "expired": 1, "reminded": 0}
    loan.refresh_from_db()
    assert loan.state == "returned" and loan.returned_to is None and loan.returned_to_snapshot["name"] == "system"
    assert loan.return_note and not LoanReminder.objects.exists()


def test_the_daily_job_runs_for_every_company_through_the_dispatcher(company, loan_at, eager_tasks):
    from dangan.governance import tasks  # noqa: F401 (registers the task, as the worker's autodiscovery does)
    from dangan.platform.tasks import dispatch_to_tenants

    loan = loan_at("lent")
    _past_due(loan, 2)
    assert any(entry["task"] == "platform.dispatch_to_tenants"
               and entry.get("args") == ["governance.loan_overdue_sweep"]
               for entry in settings.CELERY_BEAT_SCHEDULE.values())
    connection.set_schema_to_public()
    dispatch_to_tenants.delay("governance.loan_overdue_sweep")
    connection.set_tenant(company.tenant)
    loan.refresh_from_db()
    assert loan.state == "overdue" and LoanReminder.objects.get().days_overdue == 2
