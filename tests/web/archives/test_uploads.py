"""Documents on the customer page, against the real S3 server and the real pipeline (tasks run
eagerly on commit): streamed uploads, the row that polls until processing settles, previews,
recorded downloads, the checklist, refusals that keep nothing — and nobody outside the file
reaching any of it."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dangan.documents.models import Document, DocumentVersion, DownloadRecord, UploadState
from tests.api.archives.conftest import other_company  # noqa: F401
from tests.documents.conftest import clean_bucket, docs, run_tasks, store  # noqa: F401
from tests.documents.helpers import pdf_bytes, plain_zip_bytes, png_bytes
from tests.web.conftest import text_of

HTMX = {"HTTP_HX_REQUEST": "true"}
MARKUP_NAME = "<img src=x onerror=alert(1)>合同.png"


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def objects(store) -> set[str]:
    return {item["Key"] for item in store.list_tenant("")}


def upload(client, customer, data: bytes, name: str = "购销合同.pdf", **fields):
    # The document's fields first, the file last, as the page's script sends them.
    payload = {"document_type": "contract", "original_or_copy": "", "copies": "1", "title": "", **fields,
               "file": SimpleUploadedFile(name, data, content_type="application/octet-stream")}
    return client.post(f"/customers/{customer.pk}/documents/upload/", payload, **HTMX)


def test_the_page_offers_the_drop_zone_the_document_types_and_the_checklist(docs, web, customer):
    page = text_of(web(docs.owner).get(f"/customers/{customer.pk}/"))
    assert 'id="documents"' in page and "data-dropzone" in page and 'type="file" name="file"' in page
    assert 'value="contract">合同</option>' in page  # the company's document types
    assert "必备资料清单" in page and "基本资料" in page  # the category's seeded checklist
    assert "dangan/uploads.js" in page and "暂无资料" in page


def test_an_upload_is_streamed_processed_and_its_row_stops_polling(docs, web, customer, store, run_tasks):
    client = web(docs.owner)
    with run_tasks():
        response = upload(client, customer, pdf_bytes("HT-2026-0042"), title="购销合同 2026")
        # answered before the worker ran: the row polls for itself
        assert response.status_code == 201, text_of(response)
        row = text_of(response)
        assert "购销合同 2026" in row and "购销合同.pdf" in row and 'hx-trigger="every 2s"' in row
        assert "已上传待校验" in row
    version = DocumentVersion.objects.get()
    assert (version.upload_state, version.source, version.mime_type) == (UploadState.AVAILABLE, "web", "application/pdf")
    assert objects(store) == {version.object_key, version.thumbnail_key}  # nothing left in quarantine

    settled = client.get(f"/documents/{version.document_id}/row/", **HTMX)
    html = text_of(settled)
    assert settled.status_code == 200 and "hx-trigger" not in html and settled["HX-Trigger"] == "documents-changed"
    assert "可用" in html and "1 页" in html and f"/document-versions/{version.pk}/thumbnail.png" in html
    assert "病毒扫描" in html and "文字识别" in html

    thumbnail = client.get(f"/document-versions/{version.pk}/thumbnail.png")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/png"
    assert b"".join(thumbnail.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"

    download = client.get(f"/document-versions/{version.pk}/download/")
    assert download.status_code == 302 and "X-Amz-Expires=300" in download["Location"]
    assert DownloadRecord.objects.get().user == docs.owner  # every download link is recorded

    checklist = text_of(client.get(f"/customers/{customer.pk}/checklist/", **HTMX))
    assert "100%" in checklist and "1/1" in checklist  # the contract the category's checklist asks for

    from tests.web.test_security import _no_inline_code

    _no_inline_code(text_of(client.get(f"/customers/{customer.pk}/")), "customer page with a document")


def test_a_plain_form_post_without_script_lands_back_on_the_page(docs, web, customer, run_tasks):
    client = web(docs.owner)
    with run_tasks():
        response = client.post(f"/customers/{customer.pk}/documents/upload/", {
            "document_type": "id_card", "copies": "2", "file": SimpleUploadedFile("身份证.png", png_bytes())})
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/#documents"
    page = text_of(client.get(f"/customers/{customer.pk}/"))
    assert "文件已上传" in page and "身份证.png" in page and "身份证复印件" in page and "× 2" in page


def test_file_names_with_markup_render_as_text(docs, web, customer, run_tasks):
    client = web(docs.owner)
    with run_tasks():
        response = upload(client, customer, png_bytes(), name=MARKUP_NAME)
    assert response.status_code == 201
    for html in (text_of(response), text_of(client.get(f"/customers/{customer.pk}/"))):
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;合同.png" in html


@pytest.mark.parametrize("data,fields,status,text", [
    (b"MZ\x90\x00" + b"\x00" * 5000, {}, 415, "不支持的文件类型"),
    (b"", {}, 400, "文件为空"),
    (pdf_bytes(), {"document_type": ""}, 400, "资料类型"),
    (pdf_bytes(), {"document_type": "no_such_type"}, 400, "资料类型"),
])
def test_refused_uploads_say_why_and_keep_nothing(docs, web, customer, store, data, fields, status, text):
    response = upload(web(docs.owner), customer, data, **fields)
    assert response.status_code == status, text_of(response)
    assert text in text_of(response) and 'role="alert"' in text_of(response)
    assert objects(store) == set() and Document.objects.count() == 0


def test_an_oversized_file_is_refused_in_english_too(docs, web, customer, store, settings):
    settings.DOCUMENTS_MAX_FILE_MB = 1
    client = web(docs.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = upload(client, customer, pdf_bytes() + b"\n" * (1024 * 1024 + 10))
    assert response.status_code == 413 and "File too large" in text_of(response)
    assert objects(store) == set()


def test_a_version_refused_by_the_pipeline_shows_the_reason(docs, web, customer, run_tasks):
    client = web(docs.owner)
    with run_tasks():
        response = upload(client, customer, plain_zip_bytes(), name="scan.ofd")  # a zip, but not an OFD
    assert response.status_code == 201
    document = Document.objects.get()
    row = text_of(client.get(f"/documents/{document.pk}/row/", **HTMX))
    assert "已拒收" in row and "不支持的文件类型" in row and "hx-trigger" not in row


def test_without_the_csrf_token_nothing_is_stored(docs, web, customer, store):
    client = web(docs.owner, enforce_csrf_checks=True)
    response = upload(client, customer, pdf_bytes())
    assert response.status_code == 403
    assert objects(store) == set() and Document.objects.count() == 0


def test_an_auditor_sees_the_documents_but_no_upload_form(docs, web, customer, run_tasks):
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User

    with run_tasks():
        upload(web(docs.owner), customer, pdf_bytes())
    auditor = User.objects.create_user(email="audit@x.cn", password="pw-Archive-2026", full_name="周审计")
    auditor.groups.add(Group.objects.get(name=roles.AUDITOR))
    client = web(auditor)
    page = text_of(client.get(f"/customers/{customer.pk}/"))
    assert "购销合同.pdf" in page and "data-dropzone" not in page
    refused = upload(client, customer, pdf_bytes())
    assert refused.status_code == 403 and "没有执行此操作的权限" in text_of(refused)
    assert Document.objects.count() == 1


def test_nobody_outside_the_file_reaches_its_documents(docs, web, customer, store, run_tasks, other_company):
    with run_tasks():
        upload(web(docs.owner), customer, png_bytes())
    version = DocumentVersion.objects.get()
    urls = [f"/customers/{customer.pk}/checklist/",
            f"/documents/{version.document_id}/row/", f"/document-versions/{version.pk}/thumbnail.png",
            f"/document-versions/{version.pk}/download/"]
    outsider = web(docs.outsider)  # a salesperson of another department
    for client in (other_company, outsider):
        for url in urls:
            assert client.get(url, **HTMX).status_code == 404, url
        assert upload(client, customer, pdf_bytes()).status_code == 404
    connection.set_tenant(docs.tenant)  # requests to the other host switched the connection
    assert Document.objects.count() == 1 and DownloadRecord.objects.count() == 0
    assert objects(store) == {version.object_key, version.thumbnail_key}
    assert web(docs.supervisor).get(f"/document-versions/{version.pk}/thumbnail.png").status_code == 200


def test_the_document_labels_the_page_shows_are_in_the_web_catalog():
    from django.utils import translation

    from dangan.documents.models import ChecklistItem, OcrStatus, OriginalOrCopy, ScanStatus
    from dangan.web.archives.document_labels import LABELS

    shown = [UploadState, ScanStatus, OcrStatus, OriginalOrCopy, ChecklistItem.Form, Document.State]
    with translation.override("zh-hans"):
        labels = {str(label) for choices in shown for _value, label in choices.choices}
    assert labels <= set(LABELS)
    with translation.override("en"):
        assert str(UploadState.AVAILABLE.label) == "Available" and str(OriginalOrCopy.COPY.label) == "Copy"
