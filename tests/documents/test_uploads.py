"""Uploads through the services against the real S3 server: direct (presigned PUT and multipart)
and the verify → promote → process pipeline, with every refusal leaving nothing behind."""
from __future__ import annotations

import datetime as dt
import urllib.error

import pytest
from django.db import connection
from django.test import override_settings

from dangan.documents.models import Document, DocumentVersion, OcrStatus, ScanStatus, UploadState
from dangan.documents.services import uploads
from dangan.platform.errors import ApplicationError

from .helpers import http_put, jpeg_bytes, ofd_bytes, pdf_bytes, plain_zip_bytes, png_bytes, sha, tiff_bytes

MB = 1024 * 1024


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def start(docs, customer, data: bytes, *, filename="扫描件.pdf", document_type="contract", **kwargs):
    return uploads.upload_start(actor=docs.owner, customer=customer, filename=filename, size=len(data),
                                sha256=sha(data), document_fields={"document_type": document_type}, **kwargs)


def objects(store) -> set[str]:
    return {item["Key"] for item in store.list_tenant("")}


def upload_direct(docs, customer, data: bytes, run_tasks, **kwargs) -> DocumentVersion:
    instructions = start(docs, customer, data, **kwargs)
    assert instructions.method == "PUT"
    assert http_put(instructions.url, data, instructions.headers)[0] == 200
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    return DocumentVersion.objects.get(pk=instructions.version.pk)


def test_direct_upload_is_verified_promoted_and_processed(docs, customer, store, run_tasks):
    data = pdf_bytes("Contract HT-2026-001", pages=2)
    instructions = start(docs, customer, data, filename="../../etc/合同\u202eFDP.exe\x00.pdf")
    version = instructions.version
    # The server made every key: quarantine first, under the tenant prefix.
    assert version.quarantine_key.startswith("quarantine/") and version.upload_state == UploadState.PENDING
    assert version.object_key.startswith(f"docs/{version.document_id}/v1/")
    assert f"/{docs.tenant.schema_name}/quarantine/" in instructions.url
    assert version.original_filename == "合同FDP.exe.pdf"  # path, bidi override and NUL gone

    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=version)
    version.refresh_from_db()
    assert version.upload_state == UploadState.AVAILABLE
    assert (version.size, version.sha256, version.mime_type, version.page_count) == (
        len(data), sha(data), "application/pdf", 2)
    assert "HT-2026-001" in version.text and version.text_status == "done"
    assert version.ocr_status == OcrStatus.NOT_NEEDED  # it has a text layer
    assert version.scan_status == ScanStatus.NOT_CONFIGURED
    assert version.thumbnail_status == "done" and version.thumbnail_key == version.object_key + ".thumb.png"
    # Promoted: the final key holds the bytes, the quarantine object is gone.
    assert objects(store) == {version.object_key, version.thumbnail_key}
    assert b"".join(store.iter_chunks(version.object_key)) == data
    document = Document.objects.get(pk=version.document_id)
    assert document.current_version_id == version.pk and document.state == Document.State.AVAILABLE


@pytest.mark.parametrize("maker,mime,pages", [
    (png_bytes, "image/png", 1), (jpeg_bytes, "image/jpeg", 1), (tiff_bytes, "image/tiff", 3),
    (ofd_bytes, "application/ofd", 1),
])
def test_accepted_types_are_sniffed_from_content_not_the_name(docs, customer, run_tasks, maker, mime, pages):
    data = maker()
    version = upload_direct(docs, customer, data, run_tasks, filename="whatever.txt")
    assert version.upload_state == UploadState.AVAILABLE, version.rejection_code
    assert (version.mime_type, version.page_count) == (mime, pages)
    if mime == "application/ofd":
        assert "电子发票" in version.text
    else:
        # images are scans: OCR ran, or says plainly that it could not
        assert version.ocr_status in (OcrStatus.DONE, OcrStatus.UNAVAILABLE)


@pytest.mark.parametrize("data,mime", [
    (b"MZ\x90\x00\x03" + b"\x00" * 200, "application/x-dosexec"),
    ("<html><script>alert(1)</script></html>".encode(), "text/html"),
    (plain_zip_bytes(), "application/zip"),
])
def test_other_types_are_rejected_and_deleted(docs, customer, store, run_tasks, data, mime):
    version = upload_direct(docs, customer, data, run_tasks, filename="invoice.pdf")
    assert version.upload_state == UploadState.REJECTED
    assert version.rejection_code == "file_type_rejected" and version.rejection_detail == mime
    assert objects(store) == set()  # nothing kept


def test_checksum_mismatch_rejects_and_deletes(docs, customer, store, run_tasks):
    data = pdf_bytes()
    instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=len(data),
                                        sha256=sha(b"something else"), document_fields={"document_type": "contract"})
    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    version = DocumentVersion.objects.get(pk=instructions.version.pk)
    assert (version.upload_state, version.rejection_code) == (UploadState.REJECTED, "checksum_mismatch")
    assert objects(store) == set()


def test_complete_before_upload_and_with_wrong_size(docs, customer, store, run_tasks):
    data = pdf_bytes()
    instructions = start(docs, customer, data)
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    assert caught.value.code == "upload_object_missing"
    http_put(instructions.url, data + b"extra", instructions.headers)
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    assert caught.value.code == "size_mismatch"
    assert objects(store) == set()  # the wrong bytes are gone; the upload stays open
    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    assert DocumentVersion.objects.get(pk=instructions.version.pk).upload_state == UploadState.AVAILABLE
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    assert caught.value.code == "upload_not_pending"


def test_expired_upload_cannot_complete(docs, customer):
    data = pdf_bytes()
    instructions = start(docs, customer, data)
    DocumentVersion.objects.filter(pk=instructions.version.pk).update(
        upload_expires_at=instructions.version.upload_expires_at - dt.timedelta(days=1))
    http_put(instructions.url, data, instructions.headers)
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    assert caught.value.code == "upload_expired"


def test_a_new_upload_is_a_new_version_and_earlier_ones_stay(docs, customer, store, run_tasks):
    first = upload_direct(docs, customer, pdf_bytes("first"), run_tasks)
    document = first.document
    data = pdf_bytes("second")
    instructions = uploads.upload_start(actor=docs.owner, document=document, filename="v2.pdf", size=len(data),
                                        sha256=sha(data))
    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    second = DocumentVersion.objects.get(pk=instructions.version.pk)
    assert (first.number, second.number) == (1, 2) and first.object_key != second.object_key
    document.refresh_from_db()
    assert document.current_version_id == second.pk
    assert b"".join(store.iter_chunks(first.object_key)) == pdf_bytes("first")  # never overwritten


@override_settings(DOCUMENTS_MULTIPART_THRESHOLD_MB=5, DOCUMENTS_MULTIPART_PART_MB=5)
def test_multipart_direct_upload_with_presigned_part_urls(docs, customer, store, run_tasks):
    data = pdf_bytes("big") + b"%" + b"\n" * (11 * MB)  # a PDF padded to three parts
    instructions = start(docs, customer, data)
    assert instructions.method == "MULTIPART" and instructions.part_size == 5 * MB
    assert [part["part_number"] for part in instructions.parts] == [1, 2, 3]
    parts = []
    for part in instructions.parts:
        chunk = data[(part["part_number"] - 1) * instructions.part_size: part["part_number"] * instructions.part_size]
        _, headers = http_put(part["url"], chunk)
        parts.append({"part_number": part["part_number"], "etag": headers["ETag"]})
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_complete(actor=docs.owner, version=instructions.version, parts=parts[::-1])
    assert caught.value.code == "multipart_parts_invalid"
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version, parts=parts)
    version = DocumentVersion.objects.get(pk=instructions.version.pk)
    assert (version.upload_state, version.size, version.sha256) == (UploadState.AVAILABLE, len(data), sha(data))


def test_size_limit_and_quota_refuse_before_anything_is_stored(docs, customer, store, settings):
    from dangan.tenants.models import Plan

    settings.DOCUMENTS_MAX_FILE_MB = 1
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=MB + 1, sha256="a" * 64,
                             document_fields={"document_type": "contract"})
    assert caught.value.code == "file_too_large" and caught.value.status == 413
    assert "1 MB" in caught.value.message()["zh-hans"]

    settings.DOCUMENTS_MAX_FILE_MB = 1024
    tiny = Plan.objects.create(code="tiny-test", name="tiny", max_users=5, max_storage_mb=2,
                               max_api_calls_per_day=100)
    connection.tenant.__class__.objects.filter(pk=connection.tenant.pk).update(plan=tiny)
    start(docs, customer, b"x" * (MB + MB // 2))  # 1.5 MB reserved by a pending upload
    with pytest.raises(ApplicationError) as caught:
        start(docs, customer, b"y" * MB)
    assert caught.value.code == "storage_quota_exceeded"
    assert DocumentVersion.objects.count() == 1 and Document.objects.count() == 1  # nothing kept
    assert objects(store) == set()


def test_presigned_put_url_is_bound_to_its_key(docs, customer):
    data = pdf_bytes()
    instructions = start(docs, customer, data)
    forged = instructions.url.replace(instructions.version.quarantine_key, "docs/1/v1/forged")
    with pytest.raises(urllib.error.HTTPError) as caught:
        http_put(forged, data, instructions.headers)
    assert caught.value.code == 403


# --- abandoning a direct upload ------------------------------------------------------------------------

def test_abandoning_a_first_upload_removes_its_document_object_and_reservation(docs, customer, store,
                                                                                django_capture_on_commit_callbacks):
    from dangan.documents.services.quota import storage_used
    from dangan.governance.models import AuditEvent

    data = pdf_bytes()
    instructions = start(docs, customer, data)
    version = instructions.version
    assert http_put(instructions.url, data, instructions.headers)[0] == 200  # bytes sent, never completed
    assert storage_used() == len(data) and objects(store) == {version.quarantine_key}
    with django_capture_on_commit_callbacks(execute=True):
        uploads.upload_abandon(actor=docs.owner, version=version)
    assert not DocumentVersion.objects.filter(pk=version.pk).exists()
    assert not Document.objects.filter(pk=version.document_id).exists()  # the upload had made it
    assert storage_used() == 0
    assert objects(store) == set()
    event = AuditEvent.objects.get(action="document_upload.abandon")
    assert event.object_id == str(version.document_id)
    assert event.summary["document_deleted"] is True and event.summary["declared_size"] == len(data)


def test_abandoning_a_new_version_keeps_the_document_and_its_earlier_versions(docs, customer, store, run_tasks):
    from dangan.documents.services.quota import storage_used

    first = upload_direct(docs, customer, pdf_bytes("v1"), run_tasks)
    used = storage_used()
    data = pdf_bytes("v2")
    instructions = uploads.upload_start(actor=docs.owner, document=first.document, filename="v2.pdf",
                                        size=len(data), sha256=sha(data))
    assert storage_used() == used + len(data)
    with run_tasks():
        uploads.upload_abandon(actor=docs.owner, version=instructions.version)
    assert list(DocumentVersion.objects.filter(document=first.document).values_list("pk", flat=True)) == [first.pk]
    document = Document.objects.get(pk=first.document_id)
    assert document.current_version_id == first.pk and document.state == Document.State.AVAILABLE
    assert storage_used() == used
    # the next version takes the abandoned one's number again
    again = uploads.upload_start(actor=docs.owner, document=document, filename="v2.pdf", size=len(data),
                                 sha256=sha(data))
    assert again.version.number == 2


def test_a_multipart_upload_is_aborted_when_abandoned(docs, customer, store, settings,
                                                      django_capture_on_commit_callbacks):
    settings.DOCUMENTS_MULTIPART_THRESHOLD_MB = 1
    settings.DOCUMENTS_MULTIPART_PART_MB = 5
    data = b"%PDF-1.4\n" + b"0" * (2 * MB)
    instructions = start(docs, customer, data)
    assert instructions.method == "MULTIPART"
    upload_id = instructions.version.multipart_upload_id
    assert any(item["UploadId"] == upload_id for item in store.list_multipart_uploads("quarantine/"))
    with django_capture_on_commit_callbacks(execute=True):
        uploads.upload_abandon(actor=docs.owner, version=instructions.version)
    assert not any(item["UploadId"] == upload_id for item in store.list_multipart_uploads("quarantine/"))
    assert DocumentVersion.objects.count() == 0


def test_only_the_uploader_abandons_and_only_a_pending_upload(docs, customer, store, run_tasks):
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User
    from dangan.governance.models import AuditEvent

    data = pdf_bytes()
    instructions = start(docs, customer, data)
    auditor = User.objects.create_user(email="audit@x.cn", password="pw-Archive-2026", full_name="审计员")
    auditor.groups.set(Group.objects.filter(name=roles.AUDITOR))
    for actor in (docs.custodian, docs.admin, auditor):
        with pytest.raises(ApplicationError) as caught:
            uploads.upload_abandon(actor=actor, version=instructions.version)
        assert caught.value.code == "permission_denied" and caught.value.status == 403
    assert DocumentVersion.objects.get(pk=instructions.version.pk).upload_state == UploadState.PENDING

    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_abandon(actor=docs.owner, version=instructions.version)
    assert (caught.value.code, caught.value.status) == ("upload_not_abandonable", 409)
    message = caught.value.message()
    assert "不能再撤销" in message["zh-hans"] and "can no longer be abandoned" in message["en"]
    version = DocumentVersion.objects.get(pk=instructions.version.pk)
    assert version.upload_state == UploadState.AVAILABLE and objects(store) >= {version.object_key}
    assert not AuditEvent.objects.filter(action="document_upload.abandon").exists()


def test_the_reconciler_skips_an_upload_abandoned_after_it_listed_it(docs, customer, monkeypatch):
    from dangan.documents.services import reconcile

    instructions = start(docs, customer, pdf_bytes())
    DocumentVersion.objects.filter(pk=instructions.version.pk).update(
        upload_expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    listed = DocumentVersion.objects.filter(pk=instructions.version.pk)
    ids = list(listed.values_list("pk", flat=True))
    uploads.upload_abandon(actor=docs.owner, version=instructions.version)
    # the reconciler read the expired ids just before the abandon deleted the row
    monkeypatch.setattr(reconcile.DocumentVersion.objects, "filter", lambda *a, **k: _Listed(ids, a, k))
    assert reconcile._expire_uploads(dt.datetime.now(dt.timezone.utc), dry_run=False) == ids


class _Listed:
    """What the reconciler's query of expired uploads returned before the row went."""

    def __init__(self, ids, args, kwargs):
        self.ids, self.args, self.kwargs = ids, args, kwargs

    def values_list(self, *args, **kwargs):
        return self.ids
