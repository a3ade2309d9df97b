"""The contract pick-up register (合同领取登记): a custodian records what the customer took and
how they signed — a signature image stored under the company's prefix, or the typed name and ID
number checked against the file — and custodians and auditors list and export the register."""
import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangan.governance.models import AccessRecord, AuditEvent, ContractPickup
from dangan.governance.selectors import pickup_list
from dangan.governance.services import pickups
from dangan.platform.errors import ApplicationError
from tests.governance.registers import (  # noqa: F401 (fixtures)
    ID_NUMBER, buyer, company_objects, signature_png,
)

OTHER_VALID_ID = "110101199003071233"


def _refused(**kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        pickups.pickup_record(**kwargs)
    return caught.value


def test_a_signature_image_is_stored_under_the_company_prefix(company, buyer, signature_png, company_objects):
    image = signature_png()
    data = image.read()
    image.seek(0)
    pickup = pickups.pickup_record(actor=company.custodian, customer=buyer.customer, taken="original",
                                   documents=[buyer.contract], description="合同原件 1 份", signer_name="李买房",
                                   signature=image)
    assert pickup.signature_method == "image" and pickup.signature_content_type == "image/png"
    assert pickup.signature_key.startswith(f"governance/pickups/{buyer.customer.pk}/")
    assert pickup.signature_sha256 == hashlib.sha256(data).hexdigest() and pickup.signature_size == len(data)
    assert list(pickup.documents.all()) == [buyer.contract] and pickup.handled_by_snapshot["name"] == "孙档案"
    # Stored under "<schema>/…": the company's prefix, never a key the client named.
    assert company_objects.tenant_key(pickup.signature_key).startswith(f"{company.tenant.schema_name}/governance/")
    assert company_objects.head(pickup.signature_key)["ContentLength"] == len(data)

    chunks, content_type = pickups.pickup_signature(actor=company.custodian, pickup=pickup)
    assert b"".join(chunks) == data and content_type == "image/png"
    viewed = AccessRecord.objects.get(action="view", object_type="governance.contractpickup")
    assert viewed.customer_ids == [buyer.customer.pk] and viewed.user == company.custodian
    event = AuditEvent.objects.get(action="pickup.record")
    assert event.summary["signature_sha256"] == pickup.signature_sha256 and "李买房" not in str(event.summary)
    # The signature belongs to the file: destroying the file (R7) hashes and purges it with the rest.
    from dangan.governance.stored_objects import customer_objects

    assert {"key": pickup.signature_key, "sha256": pickup.signature_sha256} in customer_objects(buyer.customer.pk)


def test_a_typed_name_and_id_number_are_checked_against_the_file(company, buyer, new_customer):
    pickup = pickups.pickup_record(actor=company.custodian, customer=buyer.customer, taken="copy", copies=2,
                                   signer_name="李买房", signer_id_number=ID_NUMBER.lower())
    assert pickup.signature_method == "typed" and pickup.signer_id_field == "buyer_id_number"
    assert pickup.signer_id_masked == "110105********002X" and not pickup.signature_key

    base = {"actor": company.custodian, "customer": buyer.customer, "taken": "original", "signer_name": "李买房"}
    error = _refused(**base, signer_id_number=OTHER_VALID_ID)
    assert error.code == "pickup_id_mismatch" and "身份证号" in error.message()["zh-hans"]
    assert _refused(**base, signer_id_number="110101199003071234").code == "pickup_id_number_invalid"
    unrecorded = new_customer(name="无身份证药店")  # a category without ID numbers
    error = _refused(**{**base, "customer": unrecorded}, signer_id_number=ID_NUMBER)
    assert error.code == "pickup_id_not_on_file" and error.status == 409
    assert ContractPickup.objects.count() == 1


def test_exactly_one_valid_signature(company, buyer, signature_png, company_objects):
    from django.core.files.uploadedfile import SimpleUploadedFile

    base = {"actor": company.custodian, "customer": buyer.customer, "taken": "original", "signer_name": "李买房"}
    assert _refused(**base).code == "pickup_signature_required"
    assert _refused(**base, signature=signature_png(), signer_id_number=ID_NUMBER).code == "pickup_signature_required"
    not_an_image = SimpleUploadedFile("签字.png", b"%PDF-1.4 not an image", content_type="image/png")
    assert _refused(**base, signature=not_an_image).fields["signature"][0]["code"] == "pickup_signature_invalid"
    assert _refused(**base, signature=signature_png("签字.gif", "GIF")).code == "pickup_signature_invalid"
    too_large = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * pickups.SIGNATURE_MAX_BYTES, content_type="image/png")
    assert _refused(**base, signature=too_large).code == "pickup_signature_invalid"
    jpeg = pickups.pickup_record(**base, signature=signature_png("签字.jpg", "JPEG"))
    assert jpeg.signature_content_type == "image/jpeg" and jpeg.signature_key.endswith(".jpg")
    assert list(company_objects.list_tenant("governance/pickups/")) != []
    assert ContractPickup.objects.count() == 1


def test_other_inputs_are_checked(company, buyer, new_customer):
    from dangan.documents.services.documents import document_create

    base = {"actor": company.custodian, "customer": buyer.customer, "taken": "original", "signer_name": "李买房",
            "signer_id_number": ID_NUMBER}
    assert _refused(**{**base, "signer_name": " "}).code == "pickup_signer_name_required"
    assert _refused(**{**base, "taken": "both"}).code == "pickup_taken_invalid"
    assert _refused(**base, copies=0).code == "pickup_copies_invalid"
    assert _refused(**base, picked_up_at=timezone.now() + dt.timedelta(hours=2)).code == "pickup_time_invalid"
    elsewhere = document_create(actor=company.owner, customer=new_customer(name="别家"), document_type="contract")
    assert _refused(**base, documents=[elsewhere]).code == "document_not_of_file"
    yesterday = timezone.now() - dt.timedelta(days=1)
    assert pickups.pickup_record(**base, picked_up_at=yesterday).picked_up_at == yesterday


def test_only_custodians_record_and_only_custodians_and_auditors_read(company, buyer, auditor):
    for person in (company.owner, company.supervisor, auditor):
        error = _refused(actor=person, customer=buyer.customer, taken="copy", signer_name="李买房",
                         signer_id_number=ID_NUMBER)
        assert error.code == "pickup_custodian_required" and error.status == 403
    pickups.pickup_record(actor=company.custodian, customer=buyer.customer, taken="copy", signer_name="李买房",
                          signer_id_number=ID_NUMBER)
    for person in (company.owner, company.supervisor):
        with pytest.raises(ApplicationError) as caught:
            pickup_list(user=person)
        assert caught.value.code == "pickup_reader_required"
    assert pickup_list(user=auditor).count() == 1 and pickup_list(user=company.admin).count() == 1
    assert pickup_list(user=company.custodian, filters={"q": "李"}).count() == 1
    assert pickup_list(user=company.custodian, filters={"taken": "original"}).count() == 0


def test_the_register_exports_to_excel_and_the_export_is_logged(company, buyer, auditor):
    pickups.pickup_record(actor=company.custodian, customer=buyer.customer, taken="original",
                          documents=[buyer.contract], copies=2, signer_name="=HYPERLINK(\"http://x\")",
                          signer_id_number=ID_NUMBER, note="本人领取")
    spool, rows = pickups.pickup_export(actor=auditor, filters={})
    assert rows == 1
    sheet = load_workbook(io.BytesIO(spool.read())).active
    values = list(sheet.values)
    assert list(values[0]) == pickups.EXPORT_HEADERS
    row = dict(zip(pickups.EXPORT_HEADERS, values[1]))
    assert row["档案编号"] == buyer.customer.archive_number and row["领取内容"] == "原件"
    assert row["领取资料"] == "商品房买卖合同" and row["份数"] == 2 and row["证件号"] == "110105********002X"
    assert row["经办人"] == "孙档案" and row["签字方式"] == "姓名+身份证号核验"
    assert sheet.cell(row=2, column=8).data_type == "s"  # a typed formula stays text
    logged = AccessRecord.objects.get(action="export")
    assert logged.user == auditor and logged.result_count == 1 and logged.customer_ids == [buyer.customer.pk]
    with pytest.raises(ApplicationError):
        pickups.pickup_export(actor=company.owner)
