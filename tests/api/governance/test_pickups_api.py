"""The contract pick-up register over REST: custodians record (multipart with a signature image,
or JSON with a typed name and ID number), custodians and auditors list, read signatures and
export; everyone else is refused, and another company reaches none of it."""
import io

from openpyxl import load_workbook

from dangan.accounts import roles
from dangan.governance.models import AccessRecord, ContractPickup
from tests.governance.registers import ID_NUMBER, buyer, company_objects, signature_png  # noqa: F401 (fixtures)

PICKUPS = "/api/v1/governance/pickups/"


def test_a_pickup_with_a_signature_image_over_multipart(api, company, buyer, signature_png, company_objects):
    image = signature_png()
    keeper = api(company.custodian)
    response = keeper.post(PICKUPS, {"customer": buyer.customer.pk, "taken": "original",
                                     "documents": [buyer.contract.pk], "signer_name": "李买房",
                                     "description": "合同原件 1 份", "signature": image})
    assert response.status_code == 201, response.json()
    pickup = response.json()
    assert pickup["signature_method"] == "image" and pickup["has_signature_image"]
    assert pickup["documents"] == [{"id": buyer.contract.pk, "title": "商品房买卖合同"}]
    assert pickup["archive_number"] == buyer.customer.archive_number
    signature = keeper.get(f"{PICKUPS}{pickup['id']}/signature/")
    assert signature.status_code == 200 and signature["Content-Type"] == "image/png"
    assert b"".join(signature.streaming_content).startswith(b"\x89PNG")
    assert api(company.owner).get(f"{PICKUPS}{pickup['id']}/signature/").status_code == 403


def test_a_typed_id_number_is_checked_against_the_file(api, company, buyer):
    keeper = api(company.custodian)
    body = {"customer": buyer.customer.pk, "taken": "copy", "signer_name": "李买房", "copies": 2}
    mismatch = keeper.post(PICKUPS, {**body, "signer_id_number": "110101199003071233"},
                           content_type="application/json")
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == "pickup_id_mismatch"
    assert "signer_id_number" in mismatch.json()["error"]["fields"]
    missing = keeper.post(PICKUPS, body, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "pickup_signature_required"
    ok = keeper.post(PICKUPS, {**body, "signer_id_number": ID_NUMBER}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["signer_id_masked"] == "110105********002X"
    assert ok.json()["has_signature_image"] is False
    assert keeper.get(f"{PICKUPS}{ok.json()['id']}/signature/").status_code == 404


def test_reading_and_recording_are_for_custodians_and_auditors(api, company, buyer, auditor):
    body = {"customer": buyer.customer.pk, "taken": "copy", "signer_name": "李买房", "signer_id_number": ID_NUMBER}
    refused = api(company.owner).post(PICKUPS, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "pickup_custodian_required"
    assert api(auditor).post(PICKUPS, body, content_type="application/json").status_code == 403
    created = api(company.custodian).post(PICKUPS, body, content_type="application/json").json()
    for person in (company.owner, company.supervisor):
        response = api(person).get(PICKUPS)
        assert response.status_code == 403 and response.json()["error"]["code"] == "pickup_reader_required"
    assert [row["id"] for row in api(auditor).get(PICKUPS).json()["results"]] == [created["id"]]
    assert api(auditor).get(f"{PICKUPS}{created['id']}/").json()["signer_name"] == "李买房"
    assert api(auditor).get(f"{PICKUPS}?customer={buyer.customer.pk}&taken=original").json()["results"] == []
    assert api(auditor).get(f"{PICKUPS}?since=not-a-date").status_code == 400
    assert api(company.custodian).post(PICKUPS, {**body, "customer": 999_999},
                                       content_type="application/json").status_code == 404


def test_the_register_exports_to_excel(api, company, buyer, auditor):
    api(company.custodian).post(PICKUPS, {"customer": buyer.customer.pk, "taken": "original", "signer_name": "李买房",
                                          "signer_id_number": ID_NUMBER}, content_type="application/json")
    response = api(auditor).get(f"{PICKUPS}export.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][:3] == ("领取时间", "档案编号", "客户名称") and rows[1][1] == buyer.customer.archive_number
    assert AccessRecord.objects.filter(action="export", user=auditor).count() == 1
    refused = api(company.owner).get(f"{PICKUPS}export.xlsx")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "pickup_reader_required"


def test_another_company_reaches_none_of_it(api, company, buyer, foreign):
    from dangan.governance.services.pickups import pickup_record

    pickup = pickup_record(actor=company.custodian, customer=buyer.customer, taken="copy", signer_name="李买房",
                           signer_id_number=ID_NUMBER)
    _, own, stranger = foreign(company.tenant, roles.CUSTODIAN, roles.AUDITOR)
    assert own.get(PICKUPS).json()["results"] == []
    assert own.get(f"{PICKUPS}{pickup.pk}/").status_code == 404
    assert own.post(PICKUPS, {"customer": buyer.customer.pk, "taken": "copy", "signer_name": "x",
                              "signer_id_number": ID_NUMBER}, content_type="application/json").status_code == 404
    for path in (PICKUPS, f"{PICKUPS}{pickup.pk}/", f"{PICKUPS}export.xlsx", f"{PICKUPS}{pickup.pk}/signature/"):
        assert stranger.get(path).status_code == 403, path
    assert ContractPickup.objects.count() == 1
