"""The 合同领取登记 page: custodians fill in the form while the customer signs (an uploaded
signature image, or name and ID number checked against the file), custodians and auditors list
and export the register; others get a refusal; another company's people see nothing."""
import io

from openpyxl import load_workbook

from dangan.governance.models import ContractPickup
from tests.governance.registers import (  # noqa: F401 (fixtures)
    ID_NUMBER, buyer, company_objects, register_auditor, signature_png,
)
from tests.web.conftest import scripts_without_src, text_of


def test_a_custodian_records_a_pickup_with_a_signature_image(company, web, buyer, signature_png, company_objects):
    client = web(company.custodian)
    assert "登记领取" in text_of(client.get("/pickups/"))
    detail = text_of(client.get(f"/customers/{buyer.customer.pk}/"))
    assert f"/pickups/?customer={buyer.customer.pk}" in detail
    form = text_of(client.get(f"/pickups/new/?customer={buyer.customer.pk}"))
    assert 'enctype="multipart/form-data"' in form and "商品房买卖合同" in form and 'name="signature"' in form
    assert not scripts_without_src(form)
    response = client.post("/pickups/new/", {"customer": buyer.customer.pk, "taken": "original",
                                             "documents": [buyer.contract.pk], "copies": 1, "signer_name": "李买房",
                                             "signature": signature_png()})
    assert response.status_code == 302 and response["Location"] == f"/pickups/?customer={buyer.customer.pk}"
    pickup = ContractPickup.objects.get()
    assert pickup.signature_method == "image" and list(pickup.documents.all()) == [buyer.contract]
    listing = text_of(client.get(response["Location"]))
    assert "李买房" in listing and f"/pickups/{pickup.pk}/signature/" in listing and "商品房买卖合同" in listing
    image = client.get(f"/pickups/{pickup.pk}/signature/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_a_typed_id_number_must_match_the_file(company, web, buyer):
    client = web(company.custodian)
    body = {"customer": buyer.customer.pk, "taken": "copy", "copies": 2, "signer_name": "李买房"}
    mismatch = client.post("/pickups/new/", {**body, "signer_id_number": "110101199003071233"})
    assert mismatch.status_code == 200 and "身份证号与档案登记的不一致" in text_of(mismatch)
    neither = client.post("/pickups/new/", body)
    assert "请上传客户签字图像，或填写领取人姓名和身份证号" in text_of(neither)
    assert not ContractPickup.objects.exists()
    ok = client.post("/pickups/new/", {**body, "signer_id_number": ID_NUMBER})
    assert ok.status_code == 302
    assert "110105********002X" in text_of(client.get("/pickups/"))
    lookup = text_of(client.get(f"/pickups/new/?archive_number={buyer.customer.archive_number}"))
    assert 'name="signer_id_number"' in lookup


def test_the_register_is_for_custodians_and_auditors(company, web, buyer, register_auditor):
    owner = web(company.owner)
    assert owner.get("/pickups/").status_code == 403 and owner.get("/pickups/new/").status_code == 403
    denied = owner.post("/pickups/new/", {"customer": buyer.customer.pk, "taken": "copy", "signer_name": "x",
                                          "signer_id_number": ID_NUMBER})
    assert denied.status_code == 403 and not ContractPickup.objects.exists()
    reader = web(register_auditor)
    page = text_of(reader.get("/pickups/"))
    assert "导出 Excel" in page and "登记领取" not in page
    assert reader.get("/pickups/new/").status_code == 403


def test_the_register_exports_to_excel_with_the_filters(company, web, buyer):
    from dangan.governance.services.pickups import pickup_record

    pickup_record(actor=company.custodian, customer=buyer.customer, taken="copy", signer_name="李买房",
                  signer_id_number=ID_NUMBER)
    client = web(company.custodian)
    response = client.get("/pickups/export/?taken=copy")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][3] == "复印件"
    empty = client.get("/pickups/export/?taken=original")
    assert len(list(load_workbook(io.BytesIO(b"".join(empty.streaming_content))).active.values)) == 1
    denied = web(company.owner).get("/pickups/export/", follow=True)
    assert "合同领取登记仅供档案管理员和审计人员查看" in text_of(denied)


def test_another_companys_people_see_nothing(company, web, buyer, make_tenant, tenant_client):
    from django.db import connection

    from dangan.governance.services.pickups import pickup_record

    pickup = pickup_record(actor=company.custodian, customer=buyer.customer, taken="copy", signer_name="李买房",
                           signer_id_number=ID_NUMBER)
    current = connection.tenant
    connection.set_schema_to_public()
    other = make_tenant(company_name="另一家公司")
    connection.set_tenant(other)
    from dangan.accounts.models import User

    client = tenant_client(other)
    client.force_login(User.objects.get(email=other.admin_email))
    connection.set_tenant(current)
    assert "李买房" not in text_of(client.get("/pickups/"))
    assert client.get(f"/pickups/{pickup.pk}/signature/").status_code == 404
    assert client.post("/pickups/new/", {"customer": buyer.customer.pk, "taken": "copy", "signer_name": "x",
                                         "signer_id_number": ID_NUMBER}).status_code == 404
