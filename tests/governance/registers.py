"""Fixtures of the register tests (borrowing, contract pick-ups), shared by the service, API and
web tests: a file whose paper sits in an archive bag, a contract original in the same bag, a
deputy general manager, and helpers that walk a loan through its states."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from dangan.accounts import roles

ID_NUMBER = "11010519491231002X"  # a valid GB 11643 number (check digit X)


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def archive(company, new_customer):
    """The company's archive room down to one bag holding a file's paper and its contract."""
    from dangan.accounts.models import User
    from dangan.documents.services.documents import document_create
    from dangan.documents.services.locations import customer_location_set, location_create

    keeper = company.custodian
    room = location_create(actor=keeper, kind="room", code="R1", name="一号档案室")
    cabinet = location_create(actor=keeper, kind="cabinet", code="R1-C1", name="A 柜", parent=room)
    shelf = location_create(actor=keeper, kind="shelf", code="R1-C1-S1", name="第 1 层", parent=cabinet)
    bag = location_create(actor=keeper, kind="bag", code="R1-C1-S1-B1", name="同仁堂档案袋", parent=shelf)
    customer = new_customer()
    customer_location_set(actor=keeper, customer=customer, location=bag)
    contract = document_create(actor=keeper, customer=customer, document_type="contract", title="购销合同原件",
                               original_or_copy="original", physical_location=bag)
    deputy = User.objects.create_user(email="deputy@x.cn", password="pw-Registers-2026", full_name="吴副总")
    deputy.groups.set(Group.objects.filter(name=roles.DEPUTY_MANAGER))
    second_keeper = User.objects.create_user(email="keeper2@x.cn", password="pw-Registers-2026", full_name="郑档案")
    second_keeper.groups.set(Group.objects.filter(name=roles.CUSTODIAN))
    return SimpleNamespace(customer=customer, contract=contract, bag=bag, room=room, deputy=deputy,
                           second_keeper=second_keeper)


@pytest.fixture
def loan_at(company, archive):
    """`loan_at(state, …)`: a loan of the archive's file (by default the owner's, on paper)
    walked through the real services up to `state` (requested, approved, lent, returned)."""
    from dangan.governance.services import borrowing

    def make(state: str = "requested", *, borrower=None, medium: str = "paper", document=None, due_in: int = 7,
             purpose: str = "核对合同条款"):
        borrower = borrower or company.owner
        loan = borrowing.loan_request(actor=borrower, customer=archive.customer, document=document, medium=medium,
                                      purpose=purpose, due_date=days_from_today(due_in))
        if state in ("approved", "lent", "returned"):
            loan = borrowing.loan_approve(actor=archive.deputy, loan=loan)
        if state in ("lent", "returned"):
            loan = borrowing.loan_lend(actor=company.custodian, loan=loan)
        if state == "returned":
            loan = borrowing.loan_return(actor=company.custodian, loan=loan)
        return loan

    return make


@pytest.fixture
def classify(company):
    """`classify(customer)`: the file becomes 秘密 through the confidentiality service."""
    from dangan.governance.services.confidentiality import customer_confidentiality_set, level_by_code

    def make(customer, code: str = "secret"):
        return customer_confidentiality_set(actor=company.admin, customer=customer, level=level_by_code(code),
                                            reason="涉及商业秘密")

    return make


@pytest.fixture
def signature_png():
    """`signature_png(name)`: a small PNG of a signature stroke, as an uploaded file."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    def make(name: str = "签字.png", image_format: str = "PNG", size=(240, 80)) -> SimpleUploadedFile:
        image = Image.new("L", size, 255)
        ImageDraw.Draw(image).line([(10, 60), (80, 20), (150, 55), (230, 15)], fill=0, width=4)
        buffer = io.BytesIO()
        image.save(buffer, format=image_format)
        return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")

    return make


@pytest.fixture
def company_objects(company):
    """The company's objects in the bucket are removed after the test (signatures stored by it)."""
    from django.db import connection

    from dangan.documents.storage import object_store, tenant_prefix

    schema = company.tenant.schema_name
    yield object_store()
    connection.set_schema_to_public()
    object_store().delete_prefix(tenant_prefix(schema))


@pytest.fixture
def buyer(company, new_customer):
    """A home buyer's file (购房客户) recording the buyer's ID number, with its contract."""
    from dangan.documents.services.documents import document_create

    customer = new_customer(category="gf", name="李买房", custom_fields={
        "unit_no": "3-1-502", "contract_no": "HT-2026-018", "buyer_id_number": ID_NUMBER})
    contract = document_create(actor=company.custodian, customer=customer, document_type="contract",
                               title="商品房买卖合同", original_or_copy="original")
    return SimpleNamespace(customer=customer, contract=contract)


@pytest.fixture
def register_auditor(company):
    """An auditor (审计) of the company, for the tests outside tests/governance."""
    from dangan.accounts.models import User

    user = User.objects.create_user(email="auditor@x.cn", password="pw-Registers-2026", full_name="周审计")
    user.groups.set(Group.objects.filter(name=roles.AUDITOR))
    return user
