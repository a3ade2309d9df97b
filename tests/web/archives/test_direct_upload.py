"""Direct-to-storage uploads from the customer page, new versions and previews, against the real S3
server and the real pipeline (tasks run eagerly on commit): the page asks for a presigned PUT,
the bytes go straight to storage, the page says "complete"; nobody outside the file (another
company, a salesperson of another department, an auditor) can start or complete one."""
from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from dangan.documents.models import Document, DocumentVersion, UploadState
from tests.api.archives.conftest import company_stranger, other_company  # noqa: F401
from tests.documents.conftest import clean_bucket, docs, run_tasks, store  # noqa: F401
from tests.documents.helpers import http_put, pdf_bytes, png_bytes
from tests.web.archives.test_uploads import HTMX, objects, upload
from tests.web.conftest import text_of


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def declared(data: bytes, name: str = "购销合同.pdf") -> dict:
    return {"filename": name, "size": str(len(data)), "sha256": hashlib.sha256(data).hexdigest()}


def start(client, customer, data: bytes, **fields):
    payload = {"document_type": "contract", "original_or_copy": "", "copies": "1", "title": "", **declared(data),
               **fields}
    return client.post(f"/customers/{customer.pk}/documents/upload-start/", payload, **HTMX)


def complete(client, target: dict, parts=None):
    body = json.dumps({"parts": parts} if parts is not None else {})
    return client.post(target["complete_url"], body, content_type="application/json", **HTMX)


def put(target: dict, data: bytes) -> int:
    status, _headers = http_put(target["url"], data, headers=target["headers"])
    return status


def test_a_direct_upload_goes_straight_to_storage_then_is_processed(docs, web, customer, store, run_tasks):
    client = web(docs.owner)
    data = pdf_bytes("HT-2026-0042")
    response = start(client, customer, data, title="购销合同 2026")
    assert response.status_code == 201, text_of(response)
    target = json.loads(response.content)
    version = DocumentVersion.objects.get(pk=target["version"])
    assert (target["method"], version.upload_state, version.source) == ("PUT", UploadState.PENDING, "web")
    assert target["url"].startswith(settings.S3_ENDPOINT_URL + "/") and "X-Amz-Signature=" in target["url"]
    assert version.quarantine_key in target["url"]  # a server-made key under the tenant prefix
    assert f"/{connection.schema_name}/quarantine/" in urlsplit(target["url"]).path
    assert put(target, data) == 200

    with run_tasks():
        done = complete(client, target)
        assert done.status_code == 200, text_of(done)
        row = text_of(done)
        assert "购销合同 2026" in row and "购销合同.pdf" in row and 'hx-trigger="every 2s"' in row
    version.refresh_from_db()
    assert (version.upload_state, version.mime_type, version.sha256) == (
        UploadState.AVAILABLE, "application/pdf", hashlib.sha256(data).hexdigest())
    assert objects(store) == {version.object_key, version.thumbnail_key}  # nothing left in quarantine
    settled = text_of(client.get(f"/documents/{version.document_id}/row/", **HTMX))
    assert "可用" in settled and f"/document-versions/{version.pk}/thumbnail.png" in settled


def test_complete_is_checked_by_the_service_wrong_size_and_missing_bytes(docs, web, customer, store, run_tasks):
    client = web(docs.owner)
    data = pdf_bytes()
    target = json.loads(start(client, customer, data).content)
    missing = complete(client, target)  # nothing was sent yet
    assert missing.status_code == 409 and "存储中没有找到上传的文件" in text_of(missing)
    assert DocumentVersion.objects.get().upload_state == UploadState.PENDING
    put(target, data + b"extra")
    wrong = complete(client, target)
    assert wrong.status_code == 400 and "与声明的" in text_of(wrong)
    assert DocumentVersion.objects.get().upload_state == UploadState.PENDING
    assert objects(store) == set()  # the wrong-size object was deleted at once
    put(target, data)  # the same URL takes the right bytes
    with run_tasks():
        assert complete(client, target).status_code == 200
    assert DocumentVersion.objects.get().upload_state == UploadState.AVAILABLE
    again = complete(client, target)
    assert again.status_code == 409  # a version completes once


def test_tampered_bytes_are_rejected_by_the_checksum(docs, web, customer, store, run_tasks):
    client = web(docs.owner)
    data = pdf_bytes("A")
    target = json.loads(start(client, customer, data).content)
    forged = pdf_bytes("B")
    assert len(forged) == len(data)
    put(target, forged)
    with run_tasks():
        assert complete(client, target).status_code == 200
    version = DocumentVersion.objects.get()
    assert (version.upload_state, version.rejection_code) == (UploadState.REJECTED, "checksum_mismatch")
    assert objects(store) == set()


def test_malformed_parts_are_refused_and_the_upload_stays_open(docs, web, customer, store):
    client = web(docs.owner)
    data = pdf_bytes()
    target = json.loads(start(client, customer, data).content)
    put(target, data)
    for body in ("not json", json.dumps({"parts": [{"part_number": 0, "etag": "x"}]}),
                 json.dumps({"parts": "1"})):
        refused = client.post(target["complete_url"], body, content_type="application/json", **HTMX)
        assert refused.status_code == 400 and "分片信息无效" in text_of(refused), body
    assert DocumentVersion.objects.get().upload_state == UploadState.PENDING


def test_completed_parts_reads_the_etags_in_order():
    from dangan.web.archives.upload_forms import completed_parts

    assert completed_parts({}) is None
    assert completed_parts({"parts": [{"part_number": "1", "etag": '"abc"'}]}) == [{"part_number": 1, "etag": '"abc"'}]
    for bad in ({"parts": [{"part_number": 1}]}, {"parts": [["1", "x"]]}, {"parts": {"1": "x"}}):
        with pytest.raises(ValueError):
            completed_parts(bad)


@pytest.mark.parametrize("fields, text", [
    ({"sha256": "not-a-digest"}, "SHA-256"),
    ({"size": "0"}, "文件大小"),
    ({"document_type": ""}, "资料类型"),
])
def test_a_malformed_start_is_refused_and_keeps_nothing(docs, web, customer, store, fields, text):
    response = start(web(docs.owner), customer, pdf_bytes(), **fields)
    assert response.status_code == 400 and text in text_of(response)
    assert Document.objects.count() == 0 and objects(store) == set()


def test_an_oversized_declaration_is_refused_before_any_url(docs, web, customer, settings):
    settings.DOCUMENTS_MAX_FILE_MB = 1
    response = start(web(docs.owner), customer, pdf_bytes(), size=str(2 * 1024 * 1024))
    assert response.status_code == 413 and "X-Amz" not in text_of(response)
    assert Document.objects.count() == 0


def test_without_the_csrf_token_no_upload_starts(docs, web, customer):
    response = start(web(docs.owner, enforce_csrf_checks=True), customer, pdf_bytes())
    assert response.status_code == 403 and Document.objects.count() == 0


def test_a_new_version_keeps_the_previous_one_readable(docs, web, customer, store, run_tasks):
    client = web(docs.owner)
    with run_tasks():
        upload(client, customer, pdf_bytes("v1"), name="合同-初稿.pdf")
    first = DocumentVersion.objects.get()
    data = png_bytes()
    response = client.post(f"/documents/{first.document_id}/versions/upload-start/", declared(data, "合同-签字版.png"),
                           **HTMX)
    assert response.status_code == 201, text_of(response)
    target = json.loads(response.content)
    assert target["document"] == first.document_id
    put(target, data)
    with run_tasks():
        assert complete(client, target).status_code == 200
    second = DocumentVersion.objects.get(pk=target["version"])
    first.refresh_from_db()
    assert (second.number, second.upload_state) == (2, UploadState.AVAILABLE)
    assert first.upload_state == UploadState.AVAILABLE and first.object_key in objects(store)

    row = text_of(client.get(f"/documents/{first.document_id}/row/", **HTMX))
    assert "合同-签字版.png" in row and "v2" in row  # the newest version leads the row
    assert "较早版本（1）" in row and "合同-初稿.pdf" in row  # … the first stays listed
    assert f"/document-versions/{first.pk}/download/" in row and f"/document-versions/{first.pk}/thumbnail.png" in row
    assert "上传新版本" in row and f"/documents/{first.document_id}/versions/upload-start/" in row
    assert client.get(f"/document-versions/{first.pk}/download/").status_code == 302  # still readable


def test_a_new_version_through_the_proxied_path(docs, web, customer, store, run_tasks):
    client = web(docs.owner)
    with run_tasks():
        upload(client, customer, pdf_bytes("v1"))
    document = Document.objects.get()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with run_tasks():
        response = client.post(f"/documents/{document.pk}/versions/upload/",
                               {"file": SimpleUploadedFile("第二版.png", png_bytes())}, **HTMX)
    assert response.status_code == 200, text_of(response)
    assert list(document.versions.order_by("number").values_list("number", "upload_state")) == [
        (1, UploadState.AVAILABLE), (2, UploadState.AVAILABLE)]
    assert "第二版.png" in text_of(response) and "较早版本（1）" in text_of(response)


def test_the_page_offers_the_direct_path_and_the_version_upload(docs, web, customer, run_tasks):
    client = web(docs.owner)
    with run_tasks():
        upload(client, customer, png_bytes())
    page = text_of(client.get(f"/customers/{customer.pk}/"))
    assert f'data-upload-start="/customers/{customer.pk}/documents/upload-start/"' in page
    assert f'data-direct-max="{settings.DOCUMENTS_MULTIPART_THRESHOLD_MB * 1024 * 1024}"' in page
    assert 'id="document-preview"' in page and "data-preview-open" in page  # the preview dialog
    from tests.web.test_security import _no_inline_code

    _no_inline_code(page, "customer page with the direct upload")


def test_with_direct_upload_off_the_page_streams_through_this_host(docs, web, customer, settings):
    settings.DANGAN_WEB_DIRECT_UPLOAD = False
    page = text_of(web(docs.owner).get(f"/customers/{customer.pk}/"))
    assert "data-upload-start" not in page and "data-upload-form" in page


def test_the_csp_lets_the_customer_page_reach_the_storage_origin_only(docs, web, customer):
    from tests.web.test_security import policy

    client = web(docs.owner)
    customer_page = policy(client.get(f"/customers/{customer.pk}/"))
    endpoint = urlsplit(settings.S3_ENDPOINT_URL)
    assert customer_page["connect-src"].split() == ["'self'", f"{endpoint.scheme}://{endpoint.netloc}"]
    assert "*" not in customer_page["connect-src"] and customer_page["img-src"] == "'self'"
    assert policy(client.get("/"))["connect-src"] == "'self'"  # no other page may reach it


def test_storage_origin_is_derived_from_the_endpoint():
    from dangan.platform.settings.web import storage_origin

    assert storage_origin("http://127.0.0.1:9100", "us-east-1") == "http://127.0.0.1:9100"
    assert storage_origin("https://minio.example.cn/some/path", "x") == "https://minio.example.cn"
    assert storage_origin("", "cn-north-1") == "https://s3.cn-north-1.amazonaws.com"
    with pytest.raises(ValueError):
        storage_origin("minio:9000", "x")


def test_nobody_outside_the_file_starts_or_completes_an_upload(docs, web, customer, store, run_tasks,
                                                                company_stranger):
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User

    client = web(docs.owner)
    with run_tasks():
        upload(client, customer, pdf_bytes("v1"))
    document = Document.objects.get()
    data = pdf_bytes("v2")
    target = json.loads(client.post(f"/documents/{document.pk}/versions/upload-start/", declared(data),
                                    **HTMX).content)
    put(target, data)
    auditor = User.objects.create_user(email="audit@x.cn", password="pw-Archive-2026", full_name="周审计")
    auditor.groups.add(Group.objects.get(name=roles.AUDITOR))

    outsider = web(docs.outsider)  # a salesperson of another department
    for intruder in (company_stranger, outsider):
        assert start(intruder, customer, data).status_code == 404
        assert intruder.post(f"/documents/{document.pk}/versions/upload-start/", declared(data),
                             **HTMX).status_code == 404
        assert complete(intruder, target).status_code == 404
    reader = web(auditor)  # sees the file, may not write to it
    assert start(reader, customer, data).status_code == 403
    assert complete(reader, target).status_code == 403
    connection.set_tenant(docs.tenant)
    assert Document.objects.count() == 1
    assert DocumentVersion.objects.get(pk=target["version"]).upload_state == UploadState.PENDING
    with run_tasks():  # … and the owner still completes it
        assert complete(client, target).status_code == 200
    assert DocumentVersion.objects.get(pk=target["version"]).upload_state == UploadState.AVAILABLE
