"""Every write of the archives services leaves an audit event in the same transaction, with
an explicit actor, and summaries that name records and fields but hold no file content."""
from __future__ import annotations

import json

import pytest

from dangan.archives.models import ArchiveCategory, ClassificationScheme, Department
from dangan.archives.services import configuration, customers, lifecycle, records
from dangan.governance.models import AuditEvent
from dangan.governance.verification import verify_chain
from dangan.platform.errors import ApplicationError


def _actions_since(seq: int) -> list[str]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True))


def _head() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_the_life_of_a_file_is_in_the_chain(company, new_customer):
    start = _head()
    customer = new_customer(name="北京同仁堂药店")
    customers.customer_update(actor=company.owner, customer=customer, data={"address": "王府井大街 1 号"})
    customer = lifecycle.customer_submit(actor=company.owner, customer=customer)
    customer = lifecycle.customer_return(actor=company.supervisor, customer=customer, reason="缺资料")
    customer = lifecycle.customer_submit(actor=company.owner, customer=customer)
    customer = lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    customer = lifecycle.customer_file(actor=company.custodian, customer=customer)
    customer = lifecycle.customer_mark_reviewed(actor=company.owner, customer=customer)
    _, first = customers.customer_update(actor=company.owner, customer=customer, data={"name": "同仁堂（王府井）"},
                                         reason="更名")
    customers.change_request_approve(actor=company.supervisor, change_request=first)
    _, second = customers.customer_update(actor=company.owner, customer=customer, data={"name": "另一个名字"},
                                          reason="再次更名")
    customers.change_request_reject(actor=company.supervisor, change_request=second, reason="无依据")
    customer = lifecycle.customer_archive(actor=company.custodian, customer=customer)
    lifecycle.customer_reactivate(actor=company.custodian, customer=customer)
    assert _actions_since(start) == [
        "customer.create", "customer.update", "customer.submit", "customer.return", "customer.submit",
        "customer.approve", "customer.file", "customer.review", "change_request.create", "change_request.approve",
        "change_request.create", "change_request.reject", "customer.archive", "customer.reactivate"]
    events = AuditEvent.objects.filter(seq__gt=start).order_by("seq")
    assert {e.actor["email"] for e in events if e.action == "customer.file"} == {company.custodian.email}
    assert all(e.object_id == str(customer.pk) for e in events if e.object_type == "archives.customer")
    assert events.get(action="customer.update").summary["fields"] == ["address"]
    text = json.dumps([e.summary for e in events], ensure_ascii=False)
    for content in ("同仁堂", "王府井", "缺资料", "13812345678"):
        assert content not in text  # values stay out: a destroyed file must leave nothing here
    assert verify_chain(check_storage=False)["ok"]


def test_records_hanging_off_a_file_are_in_the_chain(company, new_customer):
    customer = new_customer()
    start = _head()
    entry = records.ledger_entry_create(actor=company.owner, customer=customer, sale_date="2026-03-02",
                                        product_name="阿莫西林胶囊", quantity="12")
    records.ledger_entry_update(actor=company.owner, entry=entry, quantity="10")
    voucher = records.voucher_create(actor=company.owner, customer=customer, number="XS-1", issued_on="2026-03-02")
    records.voucher_copy_mark(actor=company.owner, copy=voucher.copies.first(), received=True)
    records.communication_create(actor=company.owner, customer=customer, summary="电话回访")
    records.service_record_create(actor=company.owner, customer=customer, served_on="2026-03-03", kind="培训",
                                  description="上门培训")
    complaint = records.complaint_create(actor=company.owner, customer=customer, subject="破损", description="两箱")
    records.complaint_transition(actor=company.owner, complaint=complaint, to="handling")
    records.survey_create(actor=company.owner, customer=customer, surveyed_on="2026-03-02", score=4)
    records.ledger_entry_delete(actor=company.owner, entry=entry)
    assert _actions_since(start) == [
        "ledger.create", "ledger.update", "voucher.create", "voucher_copy.mark", "communication.create",
        "service_record.create", "complaint.create", "complaint.transition", "survey.create", "ledger.delete"]
    assert AuditEvent.objects.get(action="complaint.transition").summary["state_to"] == "handling"


def test_configuration_changes_are_in_the_chain(company):
    start = _head()
    admin = company.admin
    category = configuration.category_create(actor=admin, code="hz", name="合作社")
    configuration.category_update(actor=admin, category=category, name="合作社客户")
    field = configuration.field_define(actor=admin, category=category, key="members", label="社员数",
                                       field_type="number")
    configuration.field_update(actor=admin, definition=field, label="社员人数")
    configuration.field_deactivate(actor=admin, definition=field)
    scheme = configuration.scheme_create(actor=admin, code="channel", name="渠道")
    term = configuration.term_create(actor=admin, scheme=scheme, code="online", name="线上")
    configuration.term_update(actor=admin, term=term, name="网店")
    department = configuration.department_create(actor=admin, code="sales5", name="销售五部")
    configuration.department_set_members(actor=admin, department=department, members=[company.owner])
    configuration.cadence_rule_create(actor=admin, name="合作社每月", interval_days=30, category=category)
    configuration.archive_settings_update(actor=admin, creation_deadline_days=10)
    volume = configuration.volume_create(actor=admin, code="V-1", name="第一册")
    configuration.volume_assign(actor=admin, volume=volume, customers=[])
    assert _actions_since(start) == [
        "category.create", "category.update", "custom_field.define", "custom_field.update",
        "custom_field.deactivate", "classification_scheme.create", "classification_term.create",
        "classification_term.update", "department.create", "department.set_members", "cadence_rule.create",
        "archive_settings.update", "volume.create", "volume.assign"]
    assert AuditEvent.objects.get(action="department.set_members").summary["members"] == [company.owner.pk]


def test_a_refused_write_leaves_no_event(company, new_customer):
    customer = new_customer()
    start = _head()
    with pytest.raises(ApplicationError):
        lifecycle.customer_approve(actor=company.supervisor, customer=customer)  # still a draft
    with pytest.raises(ApplicationError):
        configuration.category_create(actor=company.owner, code="x", name="x")  # not an administrator
    assert _actions_since(start) == []
    assert ArchiveCategory.objects.filter(code="x").count() == 0
    assert ClassificationScheme.objects.exists() and Department.objects.exists()
