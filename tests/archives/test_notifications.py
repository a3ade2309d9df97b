"""Who is told what as a file goes through its life cycle (archives/services/notifications.py):
in the app at once, by e-mail once the change commits, never the person who acted."""
from __future__ import annotations

from django.core import mail

from dangan.accounts import roles
from dangan.archives.models import Notification
from dangan.archives.services import customers as svc
from dangan.archives.services import lifecycle
from dangan.archives.services import notifications


def told(kind: str) -> dict:
    return {n.recipient.email: n.message for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def mailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_each_step_tells_whoever_acts_next(company, new_customer, django_capture_on_commit_callbacks, eager_tasks):
    customer = new_customer(name="同仁堂药店")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.customer_submit(actor=company.owner, customer=customer)
    # The owner's department manager reviews; the owner is not told of their own act.
    assert set(told("file_submitted")) == {"zhao@x.cn"}
    assert "同仁堂药店" in told("file_submitted")["zhao@x.cn"] and "待您审核" in told("file_submitted")["zhao@x.cn"]
    assert mailed_to() == ["zhao@x.cn"] and "同仁堂药店" in mail.outbox[0].subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    assert set(told("file_approved")) == {"zhang@x.cn"}
    assert set(told("file_to_file")) == {"sun@x.cn"}  # the company's custodian
    # The review it announced is done: off the reviewer's unread list.
    assert not Notification.objects.filter(kind="file_submitted", read_at__isnull=True).exists()
    assert mailed_to() == ["sun@x.cn", "zhang@x.cn"]
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees who else was told

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.customer_file(actor=company.custodian, customer=customer)
    assert set(told("file_filed")) == {"zhang@x.cn"} and "归档" in told("file_filed")["zhang@x.cn"]
    assert not Notification.objects.filter(kind="file_to_file", read_at__isnull=True).exists()
    assert mailed_to() == ["zhang@x.cn"]


def test_a_returned_file_tells_its_owner_why_by_mail_too(company, new_customer, django_capture_on_commit_callbacks,
                                                       eager_tasks):
    customer = lifecycle.customer_submit(actor=company.owner, customer=new_customer())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.customer_return(actor=company.supervisor, customer=customer, reason="缺少营业执照信息")
    assert set(told("file_returned")) == {"zhang@x.cn"}
    assert "缺少营业执照信息" in told("file_returned")["zhang@x.cn"] and "赵主管" in told("file_returned")["zhang@x.cn"]
    assert mailed_to() == ["zhang@x.cn"]


def test_a_change_request_tells_the_reviewer_and_its_decision_the_requester(company, new_customer,
                                                                            django_capture_on_commit_callbacks,
                                                                            eager_tasks):
    customer = lifecycle.customer_submit(actor=company.owner, customer=new_customer())
    customer = lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    customer = lifecycle.customer_file(actor=company.custodian, customer=customer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _, request = svc.customer_update(actor=company.owner, customer=customer, data={"name": "同仁堂（新）"},
                                         reason="客户更名")
    assert set(told("change_requested")) == {"zhao@x.cn"} and "客户更名" in told("change_requested")["zhao@x.cn"]
    assert mailed_to() == ["zhao@x.cn"]
    with django_capture_on_commit_callbacks(execute=True):
        svc.change_request_reject(actor=company.supervisor, change_request=request, reason="请附更名证明")
    assert set(told("change_rejected")) == {"zhang@x.cn"} and "请附更名证明" in told("change_rejected")["zhang@x.cn"]
    assert not Notification.objects.filter(kind="change_requested", read_at__isnull=True).exists()

    _, again = svc.customer_update(actor=company.owner, customer=customer, data={"name": "同仁堂（新）"},
                                   reason="已附证明")
    svc.change_request_approve(actor=company.supervisor, change_request=again)
    assert set(told("change_approved")) == {"zhang@x.cn"} and "生效" in told("change_approved")["zhang@x.cn"]


def test_settling_leaves_other_files_and_kinds_unread(company, new_customer):
    first, second = new_customer(name="甲"), new_customer(name="乙")
    lifecycle.customer_submit(actor=company.owner, customer=first)
    lifecycle.customer_submit(actor=company.owner, customer=second)
    lifecycle.customer_return(actor=company.supervisor, customer=first, reason="补充资料")
    unread = Notification.objects.filter(read_at__isnull=True)
    assert sorted(unread.values_list("kind", "customer__name")) == [("file_returned", "甲"), ("file_submitted", "乙")]


def test_reviewers_are_the_owners_superiors_or_else_the_administrators(company):
    from dangan.accounts.models import User

    assert {u.email for u in notifications.reviewers_of(company.owner)} == {"zhao@x.cn"}
    # 钱主管 supervises sales2 (王五's department) but not 张三's.
    assert {u.email for u in notifications.reviewers_of(company.outsider)} == {"qian@x.cn"}
    loner = User.objects.create_user(email="loner@x.cn", password="pw-Archive-2026", full_name="无部门")
    assert {u.pk for u in notifications.reviewers_of(loner)} == {company.admin.pk}


def test_nobody_inactive_and_nobody_who_acted_is_told(company, new_customer):
    company.supervisor.is_active = False
    company.supervisor.save()
    customer = new_customer()
    told_people = notifications.notify([company.supervisor, company.owner, company.owner, company.custodian],
                                       kind="probe", message="测试", customer=customer, actor=company.custodian)
    assert [person.pk for person in told_people] == [company.owner.pk]  # once, though named twice
    assert list(Notification.objects.filter(kind="probe").values_list("recipient", flat=True)) == [company.owner.pk]


def test_a_file_with_its_own_custodian_tells_only_them(company, new_customer):
    from dangan.accounts.models import User
    from django.contrib.auth.models import Group

    second = User.objects.create_user(email="zhou@x.cn", password="pw-Archive-2026", full_name="周档案")
    second.groups.add(Group.objects.get(name=roles.CUSTODIAN))
    customer = new_customer()
    assert {u.email for u in notifications.custodians_for(customer)} == {"sun@x.cn", "zhou@x.cn"}
    customer.custodian = second
    customer.save(update_fields=["custodian"])
    assert [u.email for u in notifications.custodians_for(customer)] == ["zhou@x.cn"]


def test_the_mails_go_to_the_worker_after_commit_not_in_the_request(company, new_customer, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    from dangan.archives import tasks

    queued = []
    monkeypatch.setattr(tasks.send_notification_mails, "delay", lambda mails: queued.append(mails))
    customer = new_customer(name="甲药店")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lifecycle.customer_submit(actor=company.owner, customer=customer)
    assert queued == [] and mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [mails] = queued
    assert [address for *_, (address,) in mails] == ["zhao@x.cn"] and "甲药店" in mails[0][0]
    assert mail.outbox == []  # the request sent nothing itself


def test_the_mail_task_sends_one_message_per_person(company, eager_tasks):
    from dangan.archives.tasks import send_notification_mails

    sent = send_notification_mails.delay([["[档案] 甲", "正文", "noreply@x.cn", ["a@x.cn"]],
                                          ["[档案] 甲", "正文", "noreply@x.cn", ["b@x.cn"]]]).get()
    assert sent == 2 and [message.to for message in mail.outbox] == [["a@x.cn"], ["b@x.cn"]]
