"""Documents over REST against the real S3 server: direct and proxied uploads, downloads with
their records, search, and another company (or an invisible colleague) refused everything —
including by editing ids."""
from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dangan.documents.models import Document, DocumentVersion, DownloadRecord, UploadState
from tests.documents.helpers import body, http_get, http_put, pdf_bytes, png_bytes, sha

MB = 1024 * 1024


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def objects(store) -> set[str]:
    return {item["Key"] for item in store.list_tenant("")}


def direct_upload(client, customer, data: bytes, run_tasks, *, filename="合同 扫描/第1页.pdf", **fields) -> dict:
    started = client.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", {
        "document_type": "contract", "title": "购房合同", "filename": filename, "size": len(data),
        "sha256": sha(data), **fields}, content_type="application/json")
    assert started.status_code == 201, started.content
    started = body(started)
    assert started["method"] == "PUT" and started["version"]["upload_state"] == "pending"
    assert http_put(started["url"], data, started["headers"])[0] == 200
    with run_tasks():
        completed = client.post(started["complete_url"], {}, content_type="application/json")
    assert completed.status_code == 202, completed.content
    return started


def test_direct_upload_download_and_the_record_of_it(docs, api, customer, store, run_tasks):
    owner = api(docs.owner)
    data = pdf_bytes("HT-2026-0042")
    started = direct_upload(owner, customer, data, run_tasks)
    version_id = started["version"]["id"]
    version = body(owner.get(f"/api/v1/document-versions/{version_id}/"))
    assert version["upload_state"] == "available" and version["sha256"] == sha(data)
    assert version["mime_type"] == "application/pdf" and version["page_count"] == 1
    assert version["original_filename"] == "第1页.pdf"  # the folder part of the name is gone

    link = owner.get(f"/api/v1/document-versions/{version_id}/download/")
    assert link.status_code == 200
    link = body(link)
    assert link["filename"] == "第1页.pdf"
    assert "X-Amz-Expires=300" in link["url"]  # five minutes at most
    status, downloaded, headers = http_get(link["url"])
    assert (status, downloaded) == (200, data)
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="1.pdf"; filename*=UTF-8\'\'') or \
        disposition.startswith('attachment; filename="')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "第1页.pdf"
    assert disposition.split('filename="', 1)[1].split('"', 1)[0].isascii()
    assert headers["Content-Type"] == "application/pdf"

    record = DownloadRecord.objects.get()
    assert (record.user, record.version_id, record.document_id) == (docs.owner, version_id, started["document"]["id"])
    records = body(owner.get(f"/api/v1/documents/{started['document']['id']}/downloads/"))["results"]
    assert [(r["user"]["id"], r["version_number"]) for r in records] == [(docs.owner.pk, 1)]

    detail = body(owner.get(f"/api/v1/documents/{started['document']['id']}/"))
    assert detail["state"] == "available" and detail["current_version"]["id"] == version_id
    assert [v["number"] for v in detail["versions"]] == [1]
    listed = body(owner.get(f"/api/v1/customers/{customer.pk}/documents/"))["results"]
    assert [d["id"] for d in listed] == [started["document"]["id"]]
    thumb = body(owner.get(f"/api/v1/document-versions/{version_id}/thumbnail/"))
    assert http_get(thumb["url"])[1][:8] == b"\x89PNG\r\n\x1a\n"


def test_download_of_a_version_not_yet_available_is_refused(docs, api, customer):
    owner = api(docs.owner)
    data = pdf_bytes()
    started = body(owner.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", {
        "document_type": "contract", "filename": "a.pdf", "size": len(data), "sha256": sha(data)},
        content_type="application/json"))
    refused = owner.get(f"/api/v1/document-versions/{started['version']['id']}/download/")
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "document_not_available"
    assert DownloadRecord.objects.count() == 0


def test_proxied_upload_streams_to_storage_and_is_processed(docs, api, customer, store, run_tasks):
    owner = api(docs.owner)
    data = png_bytes()
    with run_tasks():
        response = owner.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
            "document_type": "id_card", "original_or_copy": "copy", "copies": 2,
            "file": SimpleUploadedFile("身份证.png", data, content_type="application/pdf")})
    assert response.status_code == 201, response.content
    document = body(response)
    assert document["copies"] == 2 and document["document_type"]["code"] == "id_card"
    version = DocumentVersion.objects.get(document_id=document["id"])
    assert (version.upload_state, version.mime_type, version.sha256, version.source) == (
        UploadState.AVAILABLE, "image/png", sha(data), "web")
    assert version.original_filename == "身份证.png"
    assert objects(store) == {version.object_key, version.thumbnail_key}


def test_proxied_upload_of_a_new_version(docs, api, customer, run_tasks):
    owner = api(docs.owner)
    with run_tasks():
        first = body(owner.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
            "document_type": "contract", "file": SimpleUploadedFile("a.pdf", pdf_bytes("one"))}))
        second = owner.post(f"/api/v1/documents/{first['id']}/versions/upload/", {
            "file": SimpleUploadedFile("b.pdf", pdf_bytes("two"))})
    assert second.status_code == 201
    assert [v["number"] for v in body(second)["versions"]] == [2, 1]


@pytest.mark.parametrize("data,code,status", [
    (b"MZ\x90\x00" + b"\x00" * 5000, "file_type_rejected", 415),
    (b"", "file_empty", 400),
])
def test_proxied_upload_refusals_keep_nothing(docs, api, customer, store, data, code, status):
    owner = api(docs.owner)
    response = owner.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
        "document_type": "contract", "file": SimpleUploadedFile("x.pdf", data)})
    assert response.status_code == status, response.content
    assert body(response)["error"]["code"] == code
    assert objects(store) == set() and Document.objects.count() == 0


def test_proxied_upload_oversize_and_checksum_mismatch_keep_nothing(docs, api, customer, store, settings):
    owner = api(docs.owner)
    settings.DOCUMENTS_MAX_FILE_MB = 1
    big = pdf_bytes() + b"\n" * (MB + 10)
    response = owner.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
        "document_type": "contract", "file": SimpleUploadedFile("big.pdf", big)})
    assert response.status_code == 413 and body(response)["error"]["code"] == "file_too_large"
    mismatch = owner.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
        "document_type": "contract", "sha256": "0" * 64, "file": SimpleUploadedFile("a.pdf", pdf_bytes())})
    assert mismatch.status_code == 400 and body(mismatch)["error"]["code"] == "checksum_mismatch"
    unknown_type = owner.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
        "document_type": "nope", "file": SimpleUploadedFile("a.pdf", pdf_bytes())})
    assert body(unknown_type)["error"]["code"] == "document_type_unknown"
    assert objects(store) == set() and Document.objects.count() == 0


def test_direct_upload_oversize_and_quota_are_clear_errors(docs, api, customer, settings):
    owner = api(docs.owner)
    settings.DOCUMENTS_MAX_FILE_MB = 1
    refused = owner.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", {
        "document_type": "contract", "filename": "a.pdf", "size": 2 * MB, "sha256": "a" * 64},
        content_type="application/json")
    assert refused.status_code == 413
    error = body(refused)["error"]
    assert error["code"] == "file_too_large" and "1 MB" in error["message"]["en"] and error["message"]["zh-hans"]
    assert Document.objects.count() == 0


def test_search_finds_document_text_within_visible_files_only(docs, api, customer, new_customer, run_tasks):
    owner = api(docs.owner)
    direct_upload(owner, customer, pdf_bytes("Invoice FP-778899 settlement"), run_tasks)
    hidden = new_customer(actor=docs.outsider, department=docs.sales2.pk, name="另一个客户")
    direct_upload(api(docs.outsider), hidden, pdf_bytes("Invoice FP-778899 other"), run_tasks)
    found = body(owner.get("/api/v1/documents/search/", {"q": "fp-778899"}))["results"]
    assert [d["customer"] for d in found] == [customer.pk]  # the outsider's file stays invisible
    assert body(owner.get("/api/v1/documents/search/", {"q": "购房合同"}))["results"][0]["title"] == "购房合同"
    assert body(api(docs.custodian).get("/api/v1/documents/search/", {"q": "778899"}))["results"].__len__() == 2


def test_another_company_cannot_reach_anything_by_id(docs, api, customer, other_company, run_tasks, store):
    owner = api(docs.owner)
    started = direct_upload(owner, customer, pdf_bytes("secret"), run_tasks)
    document_id, version_id = started["document"]["id"], started["version"]["id"]
    pending = body(owner.post(f"/api/v1/documents/{document_id}/versions/uploads/", {
        "filename": "v2.pdf", "size": 10, "sha256": "b" * 64}, content_type="application/json"))
    data = pdf_bytes()
    attempts = [
        ("get", f"/api/v1/documents/{document_id}/", None),
        ("get", f"/api/v1/document-versions/{version_id}/", None),
        ("get", f"/api/v1/document-versions/{version_id}/download/", None),
        ("get", f"/api/v1/document-versions/{version_id}/thumbnail/", None),
        ("get", f"/api/v1/documents/{document_id}/downloads/", None),
        ("get", f"/api/v1/customers/{customer.pk}/documents/", None),
        ("get", f"/api/v1/customers/{customer.pk}/completeness/", None),
        ("post", f"/api/v1/document-versions/{pending['version']['id']}/complete/", {}),
        ("post", f"/api/v1/documents/{document_id}/versions/uploads/",
         {"filename": "x.pdf", "size": len(data), "sha256": sha(data)}),
        ("post", f"/api/v1/customers/{customer.pk}/documents/uploads/",
         {"document_type": "contract", "filename": "x.pdf", "size": len(data), "sha256": sha(data)}),
        ("patch", f"/api/v1/documents/{document_id}/", {"title": "stolen"}),
    ]
    for method, url, payload in attempts:
        kwargs = {"content_type": "application/json", "data": payload} if payload is not None else {}
        response = getattr(other_company, method)(url, **kwargs)
        assert response.status_code == 404, (url, response.status_code)
    proxied = other_company.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
        "document_type": "contract", "file": SimpleUploadedFile("x.pdf", data)})
    assert proxied.status_code == 404
    assert body(other_company.get("/api/v1/documents/search/", {"q": "secret"}))["results"] == []
    connection.set_tenant(docs.tenant)
    assert DownloadRecord.objects.count() == 0
    assert Document.objects.get(pk=document_id).title == "购房合同"
    # the other company's proxied attempt stored nothing anywhere
    from dangan.tenants.models import Tenant

    connection.set_schema_to_public()
    other = Tenant.objects.filter(name="另一家公司").order_by("-pk").first()
    assert store.usage(other.schema_name) == (0, 0)


def test_an_invisible_colleague_gets_404_and_an_auditor_cannot_upload(docs, api, customer, run_tasks):
    from django.contrib.auth.models import Group

    from dangan.accounts import roles
    from dangan.accounts.models import User

    started = direct_upload(api(docs.owner), customer, pdf_bytes(), run_tasks)
    outsider = api(docs.outsider)
    assert outsider.get(f"/api/v1/documents/{started['document']['id']}/").status_code == 404
    assert outsider.get(f"/api/v1/document-versions/{started['version']['id']}/download/").status_code == 404
    auditor = User.objects.create_user(email="audit@x.cn", password="pw-Archive-2026", full_name="审计员")
    auditor.groups.set(Group.objects.filter(name=roles.AUDITOR))
    client = api(auditor)
    assert client.get(f"/api/v1/documents/{started['document']['id']}/").status_code == 200
    refused = client.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", {
        "document_type": "contract", "filename": "a.pdf", "size": 5, "sha256": "c" * 64},
        content_type="application/json")
    assert refused.status_code == 403


def test_upload_answers_match_the_detail_endpoints_and_a_colleague_cannot_complete(docs, api, customer):
    # The upload calls answer through serializers built once per process: their answers are
    # the ones the detail endpoints give for the same rows.
    owner = api(docs.owner)
    data = pdf_bytes("answers")
    started = body(owner.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", {
        "document_type": "contract", "title": "认购书", "filename": "a.pdf", "size": len(data), "sha256": sha(data)},
        content_type="application/json"))
    document = body(owner.get(f"/api/v1/documents/{started['document']['id']}/"))
    assert started["document"] == {name: value for name, value in document.items() if name in started["document"]}
    assert started["version"] == body(owner.get(f"/api/v1/document-versions/{started['version']['id']}/"))
    assert http_put(started["url"], data, started["headers"])[0] == 200
    # A colleague who cannot see the file cannot complete its upload either (404, not 403).
    refused = api(docs.outsider).post(started["complete_url"], {}, content_type="application/json")
    assert refused.status_code == 404
    assert DocumentVersion.objects.get(pk=started["version"]["id"]).upload_state == UploadState.PENDING
    completed = owner.post(started["complete_url"], {}, content_type="application/json")
    assert completed.status_code == 202, completed.content
    assert body(completed)["upload_state"] == UploadState.UPLOADED
    assert body(completed)["uploaded_by"]["id"] == docs.owner.pk
    assert body(completed) == body(owner.get(f"/api/v1/document-versions/{started['version']['id']}/"))


def test_upload_start_is_idempotent(docs, api, customer):
    owner = api(docs.owner)
    data = pdf_bytes()
    payload = {"document_type": "contract", "filename": "a.pdf", "size": len(data), "sha256": sha(data)}
    first = owner.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", payload,
                       content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = owner.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", payload,
                       content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and body(again)["version"]["id"] == body(first)["version"]["id"]
    assert DocumentVersion.objects.count() == 1


def test_openapi_documents_the_document_operations(docs, api):
    schema = api(docs.owner).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operations = {op.get("operationId") for path in body(schema)["paths"].values() for op in path.values()
                  if isinstance(op, dict)}
    assert {"document_upload_start", "document_upload_complete", "document_upload_proxied",
            "document_version_download", "document_search", "customer_completeness", "checklist_create",
            "location_create", "customer_label_pdf", "voucher_missing_scans"} <= operations
