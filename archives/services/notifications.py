"""Telling people what a file's life cycle now asks of them (R3): the reviewer that a file or a
change awaits their review, the custodian that an approved file awaits filing, the owner how
their file or request was decided. Each message is an in-app notification (the dashboard's
未读通知) written in the caller's transaction, and an e-mail queued after it commits (the
archives.send_notification_mails task, through Django's mail settings); nobody is told of what
they did themselves."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangan.accounts import roles

from ..models import Customer, Notification


def notify(recipients: Iterable, *, kind: str, message: str, customer: Customer | None = None, actor=None) -> list:
    """One notification for each active recipient other than `actor` (each person once), and
    one e-mail each after commit (separate messages: nobody sees who else was told). Returns
    the people told."""
    people = {}
    for person in recipients:
        if person is not None and person.is_active and (actor is None or person.pk != actor.pk):
            people.setdefault(person.pk, person)
    if not people:
        return []
    message = message[:500]
    Notification.objects.bulk_create([Notification(recipient=person, kind=kind, customer=customer, message=message)
                                      for person in people.values()])
    mails = [[f"[档案] {message[:60]}", message, settings.DEFAULT_FROM_EMAIL, [person.email]]
             for person in people.values() if person.email]
    if mails:
        from ..tasks import send_notification_mails

        # On the worker: a slow or absent mail server never holds up the request that decided.
        transaction.on_commit(lambda: send_notification_mails.delay(mails))
    return list(people.values())


def settle(customer: Customer, *kinds: str, mentioning: str = "") -> int:
    """Mark read everyone's unread `kinds` notifications about `customer` (those whose message
    names `mentioning`, where given: one loan of several): the task they announced (a review,
    a filing, a decision) is done, whoever did it, and stays off their dashboards."""
    unread = Notification.objects.filter(customer=customer, kind__in=kinds, read_at__isnull=True)
    if mentioning:
        unread = unread.filter(message__contains=mentioning)
    return unread.update(read_at=timezone.now())


def mark_all_read(*, actor) -> int:
    """Everything unread of `actor`'s marked read at once (their own only); returns how many."""
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


def reviewers_of(owner):
    """Who reviews `owner`'s files (archives.services._common.supervises): the managers of
    the owner's departments, and supervisors or department managers who share a department with
    them. Where nobody does, the company's administrators, who may review anyone's."""
    from dangan.accounts.models import User

    active = User.objects.filter(is_active=True).exclude(pk=owner.pk)
    reviewers = list(active.filter(
        Q(managed_departments__members=owner)
        | Q(groups__name__in=[roles.SUPERVISOR, roles.DEPARTMENT_MANAGER], departments__members=owner)).distinct())
    return reviewers or list(active.filter(Q(is_superuser=True) | Q(groups__name=roles.TENANT_ADMIN)).distinct())


def custodians_for(customer: Customer):
    """The file's own custodian where it has one, else every custodian of the company."""
    if customer.custodian_id and customer.custodian.is_active:
        return [customer.custodian]
    from dangan.accounts.models import User

    return list(User.objects.filter(is_active=True, groups__name=roles.CUSTODIAN).distinct())


def _file(customer: Customer) -> str:
    return f"客户档案 {customer.archive_number}（{customer.name}）"


def file_submitted(customer: Customer, *, actor) -> None:
    notify(reviewers_of(customer.owner), kind="file_submitted", customer=customer, actor=actor,
           message=f"{_file(customer)}已由 {actor.full_name} 提交，待您审核。")


def file_approved(customer: Customer, *, actor) -> None:
    settle(customer, "file_submitted")
    notify([customer.owner], kind="file_approved", customer=customer, actor=actor,
           message=f"{_file(customer)}已由 {actor.full_name} 审核通过，待档案管理员归档。")
    notify(custodians_for(customer), kind="file_to_file", customer=customer, actor=actor,
           message=f"{_file(customer)}已审核通过，待您归档。")


def file_returned(customer: Customer, *, actor, reason: str) -> None:
    settle(customer, "file_submitted", "file_to_file")
    notify([customer.owner], kind="file_returned", customer=customer, actor=actor,
           message=f"{_file(customer)}被 {actor.full_name} 退回修改：{reason.strip()[:200]}")


def file_filed(customer: Customer, *, actor) -> None:
    settle(customer, "file_to_file")
    notify([customer.owner], kind="file_filed", customer=customer, actor=actor,
           message=f"{_file(customer)}已由 {actor.full_name} 归档保管。")


def change_requested(change_request, *, actor) -> None:
    customer = change_request.customer
    notify(reviewers_of(customer.owner), kind="change_requested", customer=customer, actor=actor,
           message=f"{_file(customer)}的重要信息变更已由 {actor.full_name} 申请，待您审批。"
                   f"理由：{change_request.reason.strip()[:200]}")


def change_decided(change_request, *, actor) -> None:
    customer = change_request.customer
    settle(customer, "change_requested")
    approved = change_request.state == change_request.State.APPROVED
    outcome = "已批准并生效" if approved else f"被驳回：{change_request.decision_reason.strip()[:200]}"
    notify([change_request.requested_by, customer.owner], kind="change_approved" if approved else "change_rejected",
           customer=customer, actor=actor, message=f"{_file(customer)}的变更申请由 {actor.full_name} 审批，{outcome}")
