"""Checklists, completeness, locations, labels and voucher flags over REST."""
from __future__ import annotations

import datetime as dt

from dangan.archives.models import ArchiveCategory, SalesVoucher, VoucherCopy
from tests.documents.helpers import body


def test_document_types_and_checklists_are_configured_by_custodians(docs, api):
    custodian, owner = api(docs.custodian), api(docs.owner)
    types = body(owner.get("/api/v1/document-types/"))
    assert [t["name"] for t in types][:4] == ["身份证复印件", "户口本复印件", "结婚证复印件", "暂住证复印件"]
    assert len(types) == 16 and types[-1]["name"] == "其他"
    refused = owner.post("/api/v1/document-types/", {"code": "deed", "name": "房产证"}, content_type="application/json")
    assert refused.status_code == 403
    created = custodian.post("/api/v1/document-types/", {"code": "deed", "name": "房产证"},
                             content_type="application/json")
    assert created.status_code == 201
    again = custodian.post("/api/v1/document-types/", {"code": "deed", "name": "x"}, content_type="application/json")
    assert again.status_code == 409 and body(again)["error"]["code"] == "document_type_taken"

    gf = ArchiveCategory.objects.get(code="gf")
    lists = body(owner.get("/api/v1/checklists/", {"category": gf.pk}))
    assert [c["name"] for c in lists] == ["认购存档", "签约存档"]
    checklist = custodian.post("/api/v1/checklists/", {
        "category": gf.pk, "name": "交房存档", "condition": {"field": "contract_no", "op": "set"}},
        content_type="application/json")
    assert checklist.status_code == 201, checklist.content
    item = custodian.post(f"/api/v1/checklists/{body(checklist)['id']}/items/", {
        "document_type": "deed", "copies": 1, "original_or_copy": "copy",
        "condition": {"field": "marital_status", "op": "in", "value": ["已婚", "离异"]}},
        content_type="application/json")
    assert item.status_code == 201, item.content
    assert body(item)["document_type"]["code"] == "deed"
    bad = custodian.post(f"/api/v1/checklists/{body(checklist)['id']}/items/", {
        "document_type": "deed", "condition": {"field": "marital_status", "value": "外星"}},
        content_type="application/json")
    assert bad.status_code == 400 and body(bad)["error"]["code"] == "checklist_condition_invalid"
    patched = custodian.patch(f"/api/v1/checklist-items/{body(item)['id']}/", {"copies": 3},
                              content_type="application/json")
    assert body(patched)["copies"] == 3
    assert custodian.delete(f"/api/v1/checklist-items/{body(item)['id']}/").status_code == 204


def test_completeness_of_a_file_and_the_refused_filing(docs, api, new_customer):
    customer = new_customer(category="gf", name="购房人", custom_fields={"unit_no": "1-1", "marital_status": "已婚"})
    owner = api(docs.owner)
    result = body(owner.get(f"/api/v1/customers/{customer.pk}/completeness/"))
    assert result["percent"] == 0 and result["can_file"] is False
    assert {m["document_type"] for m in result["missing"]} >= {"subscription", "marriage_cert"}
    assert api(docs.outsider).get(f"/api/v1/customers/{customer.pk}/completeness/").status_code == 404

    owner.post(f"/api/v1/customers/{customer.pk}/submit/")
    api(docs.supervisor).post(f"/api/v1/customers/{customer.pk}/approve/")
    refused = api(docs.custodian).post(f"/api/v1/customers/{customer.pk}/file/")
    assert refused.status_code == 409
    error = body(refused)["error"]
    assert error["code"] == "required_documents_missing"
    assert "认购书（原件）×1" in error["message"]["zh-hans"]
    assert len(error["fields"]["required_documents"]) == 7


def test_locations_paper_location_and_labels(docs, api, new_customer):
    custodian = api(docs.custodian)

    def create(kind, code, parent=None):
        response = custodian.post("/api/v1/locations/", {"kind": kind, "code": code, "name": code, "parent": parent},
                                  content_type="application/json")
        assert response.status_code == 201, response.content
        return body(response)["id"]

    bag = create("bag", "B1", create("shelf", "S1", create("cabinet", "C1", create("room", "R1"))))
    wrong = custodian.post("/api/v1/locations/", {"kind": "bag", "code": "B2", "name": "x"},
                           content_type="application/json")
    assert body(wrong)["error"]["code"] == "location_kind_invalid"
    tree = body(custodian.get("/api/v1/locations/"))
    assert [l["path"] for l in tree if l["id"] == bag] == ["R1 / C1 / S1 / B1"]

    customer = new_customer(category="gf", name="王五", custom_fields={
        "unit_no": "3-1-502", "contract_no": "HT-9", "signing_date": "2026-03-08", "payment_method": "商业贷款"})
    placed = api(docs.owner).put(f"/api/v1/customers/{customer.pk}/paper-location/", {"location": bag},
                                 content_type="application/json")
    assert placed.status_code == 200 and body(placed)["location"]["code"] == "B1"
    from dangan.documents.models import CustomerPaperLocation

    assert CustomerPaperLocation.objects.get(customer=customer).location_id == bag
    cleared = api(docs.owner).put(f"/api/v1/customers/{customer.pk}/paper-location/", {"location": None},
                                  content_type="application/json")
    assert body(cleared) == {"customer": customer.pk, "location": None}
    pdf = api(docs.owner).get(f"/api/v1/customers/{customer.pk}/label.pdf", {"layout": "single"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    sheet = api(docs.owner).get("/api/v1/labels.pdf", {"customers": f"{customer.pk},{customer.pk}"})
    assert sheet.status_code == 200 and sheet.content[:5] == b"%PDF-"
    hidden = new_customer(actor=docs.outsider, department=docs.sales2.pk, name="别人的")
    assert api(docs.owner).get("/api/v1/labels.pdf", {"customers": f"{customer.pk},{hidden.pk}"}).status_code == 404
    assert api(docs.owner).get(f"/api/v1/customers/{hidden.pk}/label.pdf").status_code == 404


def test_voucher_flags_over_rest(docs, api, new_customer):
    customer = new_customer()
    voucher = SalesVoucher.objects.create(customer=customer, number="XS-9", issued_on=dt.date(2026, 1, 2),
                                          created_by=docs.owner)
    VoucherCopy.objects.create(voucher=voucher, kind="stub")
    flagged = body(api(docs.owner).get("/api/v1/vouchers/missing-scans/"))["results"]
    assert [(f["number"], f["missing_copies"]) for f in flagged] == [("XS-9", ["stub", "invoice", "goods"])]
