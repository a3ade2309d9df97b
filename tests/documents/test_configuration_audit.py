"""Changes to document types, checklists and their items are in the audit chain, in the same
transaction as the change; a refused change leaves no event."""
from __future__ import annotations

import pytest

from dangan.archives.models import ArchiveCategory
from dangan.documents.models import ChecklistItem
from dangan.documents.services import checklists
from dangan.documents.services.documents import document_type_create, document_type_update
from dangan.governance.models import AuditEvent
from dangan.governance.verification import verify_chain
from dangan.platform.errors import ApplicationError


def _events_since(seq: int):
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def _head() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_document_configuration_changes_are_in_the_chain(company):
    start = _head()
    custodian = company.custodian
    doc_type = document_type_create(actor=custodian, code="bank_slip", name="银行回单")
    document_type_update(actor=custodian, document_type=doc_type, name="银行回单（电子）", is_active=False)
    gf = ArchiveCategory.objects.get(code="gf")
    checklist = checklists.checklist_create(actor=company.admin, category=gf, name="按揭存档",
                                            condition={"field": "contract_no", "op": "set"})
    checklists.checklist_update(actor=company.admin, checklist=checklist, name="按揭存档（签约）", condition=None)
    item = checklists.checklist_item_create(actor=custodian, checklist=checklist, document_type="invoice", copies=2)
    checklists.checklist_item_update(actor=custodian, item=item, copies=3)
    checklists.checklist_item_delete(actor=custodian, item=item)
    events = _events_since(start)
    assert [e.action for e in events] == [
        "document_type.create", "document_type.update", "checklist.create", "checklist.update",
        "checklist_item.create", "checklist_item.update", "checklist_item.delete"]
    by_action = {e.action: e for e in events}
    assert by_action["document_type.update"].summary == {"code": "bank_slip", "fields": ["is_active", "name"]}
    assert by_action["checklist.update"].summary["fields"] == ["condition", "name"]
    assert by_action["checklist.update"].summary["condition"] is None
    assert by_action["checklist_item.update"].summary["copies"] == 3
    assert by_action["checklist_item.delete"].object_id == str(item.pk)
    assert by_action["document_type.create"].actor["email"] == custodian.email
    assert not ChecklistItem.objects.get(pk=item.pk).is_active
    assert verify_chain(check_storage=False)["ok"]


def test_a_refused_configuration_change_leaves_no_event(company):
    start = _head()
    gf = ArchiveCategory.objects.get(code="gf")
    with pytest.raises(ApplicationError):
        document_type_create(actor=company.owner, code="x", name="x")  # a salesperson
    with pytest.raises(ApplicationError):
        document_type_create(actor=company.admin, code="contract", name="重复")
    with pytest.raises(ApplicationError):
        checklists.checklist_create(actor=company.admin, category=gf, name="x",
                                    condition={"field": "marital_status", "value": "外星"})
    item = ChecklistItem.objects.filter(checklist__category=gf).first()
    with pytest.raises(ApplicationError):
        checklists.checklist_item_update(actor=company.admin, item=item, copies=1, condition={"field": "nope"})
    assert _events_since(start) == []
