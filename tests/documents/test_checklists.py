"""Required-document checklists (R5): the seeded real-estate lists, conditions on custom fields,
completeness, the filing check archives runs, background recomputation, and sales vouchers
flagged while a copy has no scan."""
from __future__ import annotations

import datetime as dt

import pytest

from dangan.archives.models import ArchiveCategory, SalesVoucher, VoucherCopy
from dangan.archives.services import lifecycle
from dangan.documents import selectors
from dangan.documents.models import Checklist, ChecklistItem, CustomerCompleteness, Document, PhysicalLocation
from dangan.documents.services import checklists
from dangan.documents.services.documents import document_create
from dangan.platform.errors import ApplicationError


def buyer(new_customer, **fields):
    custom = {"unit_no": "3-1-502", **fields}
    return new_customer(category="gf", name="购房人甲", custom_fields=custom)


@pytest.fixture
def bag(docs):
    from dangan.documents.services import locations

    room = locations.location_create(actor=docs.custodian, kind="room", code="R1", name="档案室")
    cabinet = locations.location_create(actor=docs.custodian, kind="cabinet", code="R1-C1", name="一号柜", parent=room)
    shelf = locations.location_create(actor=docs.custodian, kind="shelf", code="R1-C1-S1", name="第一层", parent=cabinet)
    return locations.location_create(actor=docs.custodian, kind="bag", code="BAG-0001", name="档案袋", parent=shelf)


def hold(docs, customer, bag, code: str, copies: int, form: str = "copy") -> Document:
    """Paper that is really there: a document located in the archive bag."""
    return document_create(actor=docs.owner, customer=customer, document_type=code, copies=copies,
                           original_or_copy=form, physical_location=bag)


SUBSCRIPTION = [("subscription", 1, "original"), ("explanation", 1, "original"), ("declaration", 1, "original"),
                ("receipt", 2, "copy"), ("id_card", 2, "copy"), ("hukou", 2, "copy")]


def test_seeded_real_estate_lists_follow_the_seed_policies(docs):
    gf = ArchiveCategory.objects.get(code="gf")
    lists = {c.name: c for c in Checklist.objects.filter(category=gf)}
    assert set(lists) == {"认购存档", "签约存档"}
    subscription = [(i.document_type.code, i.copies, i.original_or_copy, i.required)
                    for i in lists["认购存档"].items.order_by("sort")]
    assert subscription == [
        ("subscription", 1, "original", True), ("explanation", 1, "original", True),
        ("declaration", 1, "original", True), ("receipt", 2, "copy", True), ("id_card", 2, "copy", True),
        ("hukou", 2, "copy", True), ("marriage_cert", 2, "copy", True), ("residence_permit", 2, "copy", False)]
    contract = {i.document_type.code: (i.copies, i.original_or_copy) for i in lists["签约存档"].items.all()}
    assert contract["contract"] == (4, "original") and contract["online_filing_form"] == (2, "original")
    assert contract["invoice"] == (2, "copy") and contract["countersign"] == (1, "original")
    assert lists["签约存档"].condition == {"field": "contract_no", "op": "set"}
    marriage = lists["认购存档"].items.get(document_type__code="marriage_cert")
    assert marriage.condition == {"field": "marital_status", "op": "eq", "value": "已婚"}
    # every other category has a simple advisory default
    other = Checklist.objects.get(category__code="jxs")
    assert [(i.document_type.code, i.required) for i in other.items.all()] == [("contract", False)]


def test_completeness_conditions_and_the_filing_check(docs, new_customer, bag):
    customer = buyer(new_customer, marital_status="已婚")
    result = checklists.completeness(customer)
    # subscription list only (no contract number yet), marriage certificate applies (married)
    assert {s.item.document_type.code for s in result.items} == {
        "subscription", "explanation", "declaration", "receipt", "id_card", "hukou", "marriage_cert",
        "residence_permit"}
    assert result.percent == 0

    for code, copies, form in SUBSCRIPTION:
        hold(docs, customer, bag, code, copies, form)
    hold(docs, customer, bag, "id_card", 1)  # copies add up; one too few of the marriage certificate
    hold(docs, customer, bag, "marriage_cert", 1)
    result = checklists.completeness(customer)
    missing = [(s.item.document_type.code, s.have, s.needed) for s in result.missing]
    assert missing == [("marriage_cert", 1, 2), ("residence_permit", 0, 2)]
    assert result.percent == 75  # 6 of 8 items held
    assert [s.item.document_type.code for s in result.required_missing] == ["marriage_cert"]

    lifecycle.customer_submit(actor=docs.owner, customer=customer)
    lifecycle.customer_approve(actor=docs.supervisor, customer=customer)
    with pytest.raises(ApplicationError) as caught:
        lifecycle.customer_file(actor=docs.custodian, customer=customer)
    error = caught.value
    assert error.code == "required_documents_missing" and error.status == 409
    assert "结婚证复印件（复印件）×1" in error.message()["zh-hans"]
    assert "marriage_cert (copy) ×1" in error.message()["en"]
    assert [entry["item"] for entry in error.fields["required_documents"]] == [result.required_missing[0].item.pk]
    customer.refresh_from_db()
    assert customer.state == "approved"

    hold(docs, customer, bag, "marriage_cert", 1)
    filed = lifecycle.customer_file(actor=docs.custodian, customer=customer)  # advisory items do not block
    assert filed.state == "filed"
    assert CustomerCompleteness.objects.get(customer=customer).percent == 87


def test_unmarried_buyers_need_no_marriage_certificate_and_signing_adds_the_contract_list(docs, new_customer):
    single = buyer(new_customer, marital_status="未婚")
    codes = {s.item.document_type.code for s in checklists.completeness(single).items}
    assert "marriage_cert" not in codes and "contract" not in codes
    signed = buyer(new_customer, marital_status="未婚", contract_no="HT-2026-009")
    codes = [s.item.document_type.code for s in checklists.completeness(signed).items]
    assert "contract" in codes and "countersign" in codes and codes.count("id_card") == 2  # both lists


def test_unlocated_paper_and_unfinished_scans_do_not_count(docs, new_customer):
    customer = buyer(new_customer)
    document_create(actor=docs.owner, customer=customer, document_type="subscription", original_or_copy="original")
    statuses = {s.item.document_type.code: s.have for s in checklists.completeness(customer).items}
    assert statuses["subscription"] == 0


def test_conditions_are_validated_against_the_category(docs):
    gf = ArchiveCategory.objects.get(code="gf")
    for condition, fragment in [({"field": "nope"}, "no field"), ({"field": "marital_status", "op": "gt"}, "op"),
                                ({"field": "marital_status", "value": "外星"}, "choices"),
                                ({"field": "marital_status", "op": "eq"}, "value")]:
        with pytest.raises(ApplicationError) as caught:
            checklists.checklist_create(actor=docs.custodian, category=gf, name="x", condition=condition)
        assert caught.value.code == "checklist_condition_invalid" and fragment in caught.value.message()["en"]
    with pytest.raises(ApplicationError) as caught:
        checklists.checklist_create(actor=docs.owner, category=gf, name="x")
    assert caught.value.code == "permission_denied"


def test_checklist_changes_recompute_affected_files_in_the_background(docs, new_customer, bag, run_tasks):
    dealer = new_customer()  # category jxs: one advisory item
    assert checklists.completeness_refresh(dealer).percent == 0
    checklist = Checklist.objects.get(category__code="jxs")
    with run_tasks():
        checklists.checklist_item_create(actor=docs.custodian, checklist=checklist, document_type="invoice",
                                         copies=1, original_or_copy="copy", required=True)
    stored = CustomerCompleteness.objects.get(customer=dealer)
    assert stored.required_missing == 1 and [m["document_type"] for m in stored.missing] == ["contract", "invoice"]
    hold(docs, dealer, bag, "invoice", 1)
    item = checklist.items.get(document_type__code="contract")
    with run_tasks():
        checklists.checklist_item_delete(actor=docs.custodian, item=item)
    stored.refresh_from_db()
    assert (stored.percent, stored.required_missing, stored.missing) == (100, 0, [])


def test_vouchers_with_a_copy_lacking_a_scan_are_flagged(docs, new_customer, bag):
    customer = new_customer()
    voucher = SalesVoucher.objects.create(customer=customer, number="XS-0001", issued_on=dt.date(2026, 3, 1),
                                          created_by=docs.owner)
    copies = {kind: VoucherCopy.objects.create(voucher=voucher, kind=kind) for kind in VoucherCopy.Kind.values}
    flagged = list(selectors.vouchers_missing_scans(user=docs.owner))
    assert [v.pk for v in flagged] == [voucher.pk]
    assert selectors.missing_kinds(flagged[0]) == ["stub", "invoice", "goods"]
    for kind in ("stub", "invoice", "goods"):
        document = document_create(actor=docs.owner, customer=customer, document_type="invoice",
                                   voucher_copy=copies[kind])
        Document.objects.filter(pk=document.pk).update(state=Document.State.AVAILABLE)  # its scan arrived
        if kind == "invoice":
            assert selectors.missing_kinds(list(selectors.vouchers_missing_scans(user=docs.owner))[0]) == ["goods"]
    assert list(selectors.vouchers_missing_scans(user=docs.owner)) == []
    assert list(selectors.vouchers_missing_scans(user=docs.outsider)) == []


def test_a_document_links_only_to_its_own_file(docs, new_customer):
    mine, other = new_customer(), new_customer(name="别家药店")
    voucher = SalesVoucher.objects.create(customer=other, number="XS-0002", issued_on=dt.date(2026, 3, 1),
                                          created_by=docs.owner)
    copy = VoucherCopy.objects.create(voucher=voucher, kind="stub")
    with pytest.raises(ApplicationError) as caught:
        document_create(actor=docs.owner, customer=mine, document_type="invoice", voucher_copy=copy)
    assert caught.value.code == "link_invalid"
    gf_item = ChecklistItem.objects.filter(checklist__category__code="gf").first()
    with pytest.raises(ApplicationError) as caught:
        document_create(actor=docs.owner, customer=mine, document_type="contract", checklist_item=gf_item)
    assert caught.value.code == "link_invalid"


def test_location_tree_rules(docs, bag):
    from dangan.documents.services import locations

    room = PhysicalLocation.objects.get(code="R1")
    with pytest.raises(ApplicationError) as caught:
        locations.location_create(actor=docs.custodian, kind="shelf", code="X", name="x", parent=room)
    assert caught.value.code == "location_kind_invalid"
    with pytest.raises(ApplicationError) as caught:
        locations.location_create(actor=docs.custodian, kind="room", code="R1", name="dup")
    assert caught.value.code == "location_code_taken"
    with pytest.raises(ApplicationError) as caught:
        locations.location_delete(actor=docs.custodian, location=room)
    assert caught.value.code == "location_not_empty"
    assert [node.code for node in bag.path()] == ["R1", "R1-C1", "R1-C1-S1", "BAG-0001"]
