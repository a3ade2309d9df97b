"""Confidentiality (密级) on the customer "360" page: the level shown to those who may read the
file, 404 for everyone else (another company included); a classified document offers the
watermarked page view, never the download link or an unwatermarked preview."""
import datetime as dt
import io

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image

from dangan.documents.models import DocumentVersion
from dangan.documents.services import uploads
from dangan.governance.models import ConfidentialityLevel
from dangan.governance.services import confidentiality as conf
from tests.api.archives.conftest import company_stranger, other_company  # noqa: F401
from tests.documents.conftest import clean_bucket, run_tasks, store  # noqa: F401
from tests.documents.helpers import http_put, sha
from tests.web.conftest import text_of, web  # noqa: F401

@pytest.fixture
def stranger(company_stranger):
    return company_stranger



def level(code: str) -> ConfidentialityLevel:
    return ConfidentialityLevel.objects.get(code=code)


def test_the_360_page_of_a_classified_file(company, new_customer, web, stranger):  # noqa: F811
    customer = new_customer(name="机密客户甲")
    conf.customer_confidentiality_set(actor=company.custodian, customer=customer, level=level("secret"),
                                      reason="商业秘密")
    url = f"/customers/{customer.pk}/"
    for user in (company.owner, company.custodian, company.admin):
        assert web(user).get(url).status_code == 404
    assert stranger.get(url).status_code == 404
    conf.clearance_set(actor=company.admin, user=company.supervisor, level=level("secret"), reason="主管")
    page = web(company.supervisor).get(url)
    assert page.status_code == 200
    assert "密级：秘密" in text_of(page) and "机密客户甲" in text_of(page)


def test_a_classified_document_row_offers_only_the_watermarked_view(company, new_customer, web, run_tasks,  # noqa: F811
                                                                    clean_bucket):  # noqa: F811
    customer = new_customer(name="合同客户")
    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, format="PNG")
    data = out.getvalue()
    instructions = uploads.upload_start(actor=company.owner, customer=customer, filename="机密合同.png",
                                        size=len(data), sha256=sha(data), document_fields={"document_type": "contract"})
    assert http_put(instructions.url, data, instructions.headers)[0] == 200
    with run_tasks():
        uploads.upload_complete(actor=company.owner, version=instructions.version)
    version = DocumentVersion.objects.select_related("document").get(pk=instructions.version.pk)
    assert version.thumbnail_key
    download = f"/document-versions/{version.pk}/download/"
    thumbnail = f"/document-versions/{version.pk}/thumbnail.png"
    assert download in web(company.owner).get(f"/customers/{customer.pk}/").content.decode()

    document = conf.document_confidentiality_set(actor=company.custodian, document=version.document,
                                                 level=level("confidential"), reason="价格保密")
    owner = web(company.owner)
    page = owner.get(f"/customers/{customer.pk}/").content.decode()
    assert download not in page and thumbnail not in page  # hidden without access
    conf.grant_time_boxed_access(actor=company.custodian, user=company.owner, customer=customer, document=document,
                                 until=timezone.now() + dt.timedelta(hours=1), reason="借阅", source="borrowing")
    page = owner.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/api/v1/governance/documents/{document.pk}/pages/1/" in page
    assert download not in page and thumbnail not in page
    # Asked for directly: no preview, no storage link.
    assert owner.get(thumbnail).status_code == 404
    refused = owner.get(download)
    assert refused.status_code == 302 and refused["Location"].startswith(f"/customers/{customer.pk}/")
    assert owner.get(f"/api/v1/governance/documents/{document.pk}/pages/1/")["Content-Type"] == "image/jpeg"
