"""Confidentiality (密级) over REST: the catalogue, setting levels (never through the ordinary
write paths), access requests with their forbidden cases, grants, downloads refused for
classified documents, watermarked page images and exports — each endpoint also tried from
another company."""
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from PIL import Image

from dangan.accounts import roles
from dangan.accounts.models import User
from dangan.documents.models import DocumentVersion
from dangan.documents.services import uploads
from dangan.governance.models import AccessGrant, AccessRecord, ConfidentialityLevel
from dangan.governance.services import confidentiality as conf
from tests.api.archives.conftest import company_stranger, other_company  # noqa: F401
from tests.documents.conftest import clean_bucket, run_tasks, store  # noqa: F401
from tests.documents.helpers import http_put, sha

JSON = "application/json"

@pytest.fixture
def stranger(company_stranger):
    return company_stranger



def error(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def deputy(company):
    user = User.objects.create_user(email="fu@x.cn", password="pw-Governance-2026", full_name="冯副总")
    user.groups.set(Group.objects.filter(name=roles.DEPUTY_MANAGER))
    return user


@pytest.fixture
def classified(company, new_customer):
    customer = new_customer(name="机密客户甲")
    return conf.customer_confidentiality_set(actor=company.custodian, customer=customer,
                                             level=ConfidentialityLevel.objects.get(code="secret"), reason="商业秘密")


def test_the_level_catalogue(api, company, stranger):  # noqa: F811
    url = "/api/v1/governance/confidentiality/levels/"
    listed = api(company.owner).get(url)
    assert listed.status_code == 200 and [lv["name"] for lv in listed.json()] == ["公开", "内部", "秘密", "机密"]
    body = {"code": "top", "name": "绝密", "rank": 40, "requires_approval": True}
    refused = api(company.owner).post(url, body, content_type=JSON)
    assert refused.status_code == 403 and error(refused) == "permission_denied"
    created = api(company.admin).post(url, body, content_type=JSON)
    assert created.status_code == 201
    pk = created.json()["id"]
    renamed = api(company.admin).patch(f"{url}{pk}/", {"name": "核心机密"}, content_type=JSON)
    assert renamed.status_code == 200 and renamed.json()["name"] == "核心机密"
    # Another company has its own catalogue and cannot reach this one's level.
    assert [lv["code"] for lv in stranger.get(url).json()] == ["public", "internal", "secret", "confidential"]
    assert stranger.patch(f"{url}{pk}/", {"name": "x"}, content_type=JSON).status_code == 404
    assert stranger.delete(f"{url}{pk}/").status_code == 404
    deleted = api(company.admin).delete(f"{url}{pk}/")
    assert deleted.status_code == 204, deleted.content.decode()
    policy = api(company.owner).get("/api/v1/governance/confidentiality/policy/").json()
    assert policy == {"approver_roles": [roles.DEPUTY_MANAGER, roles.GENERAL_MANAGER], "max_grant_days": 30}
    changed = api(company.admin).put("/api/v1/governance/confidentiality/policy/", {"max_grant_days": 10},
                                     content_type=JSON)
    assert changed.status_code == 200 and changed.json()["max_grant_days"] == 10


def test_a_level_is_set_only_through_its_own_endpoint(api, company, new_customer, stranger):  # noqa: F811
    customer = new_customer(name="机密客户甲")
    # The ordinary write path has no such field: refused loudly, nothing changes.
    sneaky = api(company.owner).patch(f"/api/v1/customers/{customer.pk}/", {"confidentiality": "public"},
                                      content_type=JSON)
    assert sneaky.status_code == 400 and error(sneaky) == "field_not_writable"
    url = f"/api/v1/governance/customers/{customer.pk}/confidentiality/"
    body = {"level": "secret", "reason": "商业秘密"}
    refused = api(company.owner).post(url, body, content_type=JSON)
    assert refused.status_code == 403 and error(refused) == "confidentiality_not_allowed"
    assert stranger.post(url, body, content_type=JSON).status_code == 404
    customer.refresh_from_db()
    assert customer.confidentiality_id is None
    done = api(company.custodian).post(url, body, content_type=JSON)
    assert done.status_code == 200 and done.json()["level"]["code"] == "secret"
    unknown = api(company.custodian).post(url, {"level": "nope", "reason": "x"}, content_type=JSON)
    assert unknown.status_code == 400 and error(unknown) == "confidentiality_level_invalid"
    # Now it is gone for its owner: detail, list, search, records.
    owner = api(company.owner)
    assert owner.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert customer.pk not in [row["id"] for row in owner.get("/api/v1/customers/").json()["results"]]
    assert owner.get("/api/v1/customers/", {"q": "机密客户甲"}).json()["results"] == []
    assert owner.get(f"/api/v1/customers/{customer.pk}/ledger/").status_code == 404
    # Keepers see that it exists, no content.
    register = api(company.custodian).get("/api/v1/governance/classified-files/").json()["results"]
    assert [(row["customer"], row["level"]["code"]) for row in register] == [(customer.pk, "secret")]
    assert set(register[0]) == {"customer", "archive_number", "level", "department"}
    # Those who may ask to read it learn that it exists; others do not.
    assert [row["customer"] for row in owner.get("/api/v1/governance/classified-files/").json()["results"]] == [
        customer.pk]
    assert api(company.outsider).get("/api/v1/governance/classified-files/").json()["results"] == []
    assert stranger.get("/api/v1/governance/classified-files/").json()["results"] == []
    # Clearance: administrators only, another company's administrator reaches nobody here.
    clearance = f"/api/v1/governance/users/{company.supervisor.pk}/clearance/"
    assert api(company.custodian).post(clearance, body, content_type=JSON).status_code == 403
    assert stranger.post(clearance, body, content_type=JSON).status_code in (403, 404)
    assert api(company.admin).post(clearance, body, content_type=JSON).json()["clearance"] == "secret"
    assert api(company.supervisor).get(f"/api/v1/customers/{customer.pk}/").status_code == 200


def test_an_access_request_from_asking_to_expiry(api, company, classified, deputy, stranger):  # noqa: F811
    owner = api(company.owner)
    url = "/api/v1/governance/access-requests/"
    manager = User.objects.create_user(email="gm@x.cn", password="pw-Governance-2026", full_name="总经理甲")
    manager.groups.set(Group.objects.filter(name=roles.GENERAL_MANAGER))
    not_member = api(manager).post(url, {"customer": classified.pk, "reason": "查看", "days": 2}, content_type=JSON)
    assert not_member.status_code == 403 and error(not_member) == "access_request_not_member"
    assert api(company.outsider).post(url, {"customer": classified.pk, "reason": "查看", "days": 2},
                                      content_type=JSON).status_code == 404
    assert stranger.post(url, {"customer": classified.pk, "reason": "查看", "days": 2},
                              content_type=JSON).status_code == 404

    created = owner.post(url, {"customer": classified.pk, "reason": "核对合同条款", "days": 3}, content_type=JSON)
    assert created.status_code == 201 and created.json()["state"] == "pending"
    pk = created.json()["id"]
    assert [row["id"] for row in owner.get(url).json()["results"]] == [pk]
    assert [row["id"] for row in api(deputy).get(url, {"box": "to_decide"}).json()["results"]] == [pk]
    assert api(company.supervisor).get(url, {"box": "to_decide"}).json()["results"] == []
    assert stranger.get(url, {"box": "to_decide"}).json()["results"] == []

    approve = f"{url}{pk}/approve/"
    self_approval = owner.post(approve, {}, content_type=JSON)
    assert self_approval.status_code == 403 and error(self_approval) == "access_request_self_approval"
    no_role = api(company.supervisor).post(approve, {}, content_type=JSON)
    assert no_role.status_code == 403 and error(no_role) == "access_request_approver_role"
    assert stranger.post(approve, {}, content_type=JSON).status_code == 404
    assert owner.get(f"/api/v1/customers/{classified.pk}/").status_code == 404

    approved = api(deputy).post(approve, {"reason": "同意"}, content_type=JSON)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    grant = approved.json()["grant"]
    assert grant["live"] and grant["user"]["id"] == company.owner.pk and grant["source"] == "request"
    assert owner.get(f"/api/v1/customers/{classified.pk}/").status_code == 200
    replay = api(deputy).post(approve, {}, content_type=JSON)
    assert replay.status_code == 409 and error(replay) == "access_request_decided"

    grants = "/api/v1/governance/access-grants/"
    assert [row["id"] for row in owner.get(grants, {"live": "true"}).json()["results"]] == [grant["id"]]
    assert api(company.colleague).get(grants).json()["results"] == []
    assert stranger.get(grants).json()["results"] == []
    assert stranger.post(f"{grants}{grant['id']}/revoke/", {"reason": "x"}, content_type=JSON).status_code == 404
    # Expired: the file is gone again.
    AccessGrant.objects.filter(pk=grant["id"]).update(until=timezone.now() - dt.timedelta(seconds=1))
    assert owner.get(f"/api/v1/customers/{classified.pk}/").status_code == 404
    assert owner.get(grants, {"live": "true"}).json()["results"] == []

    second = owner.post(url, {"customer": classified.pk, "reason": "再次核对", "days": 1}, content_type=JSON).json()
    rejected = api(deputy).post(f"{url}{second['id']}/reject/", {"reason": "不需要"}, content_type=JSON)
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected" and rejected.json()["grant"] is None
    third = owner.post(url, {"customer": classified.pk, "reason": "第三次", "days": 1}, content_type=JSON).json()
    live = api(deputy).post(f"{url}{third['id']}/approve/", {}, content_type=JSON).json()["grant"]
    revoked = api(company.custodian).post(f"{grants}{live['id']}/revoke/", {"reason": "提前收回"}, content_type=JSON)
    assert revoked.status_code == 200 and revoked.json()["live"] is False
    assert owner.get(f"/api/v1/customers/{classified.pk}/").status_code == 404


@pytest.fixture
def classified_document(company, new_customer, run_tasks, clean_bucket):  # noqa: F811
    """A 2-page TIFF of 张三's file, classified 机密 on its own; the file itself is not."""
    customer = new_customer(name="合同客户")
    frames = [Image.new("RGB", (300, 420), "white") for _ in range(2)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    data = out.getvalue()
    instructions = uploads.upload_start(actor=company.owner, customer=customer, filename="机密合同.tif",
                                        size=len(data), sha256=sha(data), document_fields={"document_type": "contract"})
    assert http_put(instructions.url, data, instructions.headers)[0] == 200
    with run_tasks():
        uploads.upload_complete(actor=company.owner, version=instructions.version)
    version = DocumentVersion.objects.get(pk=instructions.version.pk)
    conf.document_confidentiality_set(actor=company.custodian, document=version.document,
                                      level=ConfidentialityLevel.objects.get(code="confidential"), reason="价格保密")
    return version


def test_a_classified_document_is_never_downloaded_only_viewed_watermarked(api, company, classified_document,
                                                                         stranger):  # noqa: F811
    version = classified_document
    document = version.document
    owner = api(company.owner)
    pages = f"/api/v1/governance/documents/{document.pk}/pages/1/"
    assert owner.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert owner.get(pages).status_code == 404
    conf.grant_time_boxed_access(actor=company.custodian, user=company.owner, customer=document.customer,
                                 document=document, until=timezone.now() + dt.timedelta(days=1), reason="借阅",
                                 source="borrowing", source_id=1)
    assert owner.get(f"/api/v1/documents/{document.pk}/").status_code == 200
    download = owner.get(f"/api/v1/document-versions/{version.pk}/download/")
    assert download.status_code == 403 and error(download) == "classified_not_downloadable"
    assert "url" not in download.json()
    thumbnail = owner.get(f"/api/v1/document-versions/{version.pk}/thumbnail/")
    assert thumbnail.status_code == 403 and error(thumbnail) == "classified_not_downloadable"

    before = AccessRecord.objects.filter(action="view", object_id=str(document.pk)).count()
    page = owner.get(pages)
    assert page.status_code == 200 and page["Content-Type"] == "image/jpeg"
    assert "no-store" in page["Cache-Control"]
    assert Image.open(io.BytesIO(page.content)).size == (300, 420)
    assert AccessRecord.objects.filter(action="view", object_id=str(document.pk)).count() == before + 1
    beyond = owner.get(f"/api/v1/governance/documents/{document.pk}/pages/3/")
    assert beyond.status_code == 404 and error(beyond) == "document_page_out_of_range"
    # Others: no grant, no page; another company, no document.
    assert api(company.colleague).get(pages).status_code == 404
    assert api(company.custodian).get(pages).status_code == 404
    assert stranger.get(pages).status_code == 404
    assert stranger.get(f"/api/v1/document-versions/{version.pk}/download/").status_code == 404
    # Setting a document's level: keepers only, never from another company.
    level_url = f"/api/v1/governance/documents/{document.pk}/confidentiality/"
    assert api(company.owner).post(level_url, {"level": "", "reason": "x"}, content_type=JSON).status_code == 403
    assert stranger.post(level_url, {"level": "", "reason": "x"}, content_type=JSON).status_code == 404
    cleared = api(company.custodian).post(level_url, {"level": None, "reason": "解密"}, content_type=JSON)
    assert cleared.status_code == 200 and cleared.json()["level"] is None
    assert owner.get(f"/api/v1/document-versions/{version.pk}/download/").status_code == 200


def test_an_export_leaves_classified_files_out(api, company, classified, new_customer, clean_bucket):  # noqa: F811
    new_customer(name="普通客户乙")
    conf.clearance_set(actor=company.admin, user=company.supervisor,
                       level=ConfidentialityLevel.objects.get(code="secret"), reason="主管")
    supervisor = api(company.supervisor)
    assert supervisor.get(f"/api/v1/customers/{classified.pk}/").status_code == 200
    listed = supervisor.get("/api/v1/customers/").json()["results"]
    exported = supervisor.post("/api/v1/exports/", {}, content_type=JSON)
    assert exported.status_code == 201
    assert exported.json()["row_count"] == len(listed) - 1
