"""Abandoning a direct upload over the API (and from the customer page's script, which calls it
with its session when storage refuses the browser's PUT): only the uploader, only while pending,
never across companies."""
from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from dangan.documents.models import Document, DocumentVersion, UploadState
from dangan.documents.services.quota import storage_used
from dangan.governance.models import AuditEvent
from tests.api.archives.conftest import company_stranger  # noqa: F401
from tests.documents.helpers import body, http_put, pdf_bytes, sha
from tests.web.conftest import web  # noqa: F401


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def start(client, customer, data: bytes) -> dict:
    started = client.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", {
        "document_type": "contract", "filename": "a.pdf", "size": len(data), "sha256": sha(data)},
        content_type="application/json")
    assert started.status_code == 201, started.content
    return body(started)


def abandon_url(started: dict) -> str:
    return f"/api/v1/document-versions/{started['version']['id']}/abandon/"


def test_the_uploader_abandons_a_pending_upload(docs, api, customer, store, django_capture_on_commit_callbacks):
    owner = api(docs.owner)
    data = pdf_bytes()
    started = start(owner, customer, data)
    assert http_put(started["url"], data, started["headers"])[0] == 200
    with django_capture_on_commit_callbacks(execute=True):
        answer = owner.post(abandon_url(started))
    assert answer.status_code == 204 and answer.content == b""
    assert not Document.objects.filter(pk=started["document"]["id"]).exists()
    assert DocumentVersion.objects.count() == 0 and storage_used() == 0
    assert list(store.list_tenant("")) == []
    assert AuditEvent.objects.get(action="document_upload.abandon").actor["id"] == docs.owner.pk
    # gone: a second call finds nothing
    assert owner.post(abandon_url(started)).status_code == 404


def test_nobody_else_abandons_it_and_a_completed_upload_stays(docs, api, customer, company_stranger, run_tasks):
    owner = api(docs.owner)
    data = pdf_bytes()
    started = start(owner, customer, data)
    # another company's administrator, with this company's ids, on this company's host
    assert company_stranger.post(abandon_url(started)).status_code == 404
    assert api(docs.outsider).post(abandon_url(started)).status_code == 404  # cannot see the file
    for person in (docs.custodian, docs.supervisor, docs.admin):  # see the file, did not start the upload
        refused = api(person).post(abandon_url(started))
        assert refused.status_code == 403 and body(refused)["error"]["code"] == "permission_denied"
    assert DocumentVersion.objects.get(pk=started["version"]["id"]).upload_state == UploadState.PENDING

    assert http_put(started["url"], data, started["headers"])[0] == 200
    with run_tasks():
        assert owner.post(started["complete_url"], {}, content_type="application/json").status_code == 202
    refused = owner.post(abandon_url(started))
    assert refused.status_code == 409
    error = body(refused)["error"]
    assert error["code"] == "upload_not_abandonable" and set(error["message"]) == {"zh-hans", "en"}
    assert Document.objects.filter(pk=started["document"]["id"]).exists()
    assert not AuditEvent.objects.filter(action="document_upload.abandon").exists()


def test_the_other_company_cannot_abandon_with_its_own_ids_either(docs, api, customer, other_company):
    """The stranger's own pending upload ids resolve only in their own schema: this company's
    version of the same id is untouched by their abandon."""
    started = start(api(docs.owner), customer, pdf_bytes())
    response = other_company.post(abandon_url(started))
    connection.set_tenant(docs.tenant)
    assert response.status_code == 404
    assert DocumentVersion.objects.filter(pk=started["version"]["id"]).exists()


def test_the_page_gets_an_abandon_url_it_can_call_with_its_session(docs, web, customer):  # noqa: F811
    client = web(docs.owner, enforce_csrf_checks=True)
    client.get(f"/customers/{customer.pk}/")  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value
    data = pdf_bytes()
    started = client.post(f"/customers/{customer.pk}/documents/upload-start/", {
        "document_type": "contract", "original_or_copy": "", "copies": "1", "title": "", "filename": "a.pdf",
        "size": str(len(data)), "sha256": hashlib.sha256(data).hexdigest()},
        HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert started.status_code == 201, started.content
    target = started.json()
    assert target["abandon_url"] == f"/api/v1/document-versions/{target['version']}/abandon/"
    assert client.post(target["abandon_url"]).status_code == 403  # no CSRF token: refused
    assert DocumentVersion.objects.filter(pk=target["version"]).exists()
    answer = client.post(target["abandon_url"], HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert answer.status_code == 204
    assert not Document.objects.filter(pk=target["document"]).exists()


def test_openapi_documents_the_abandon_operation(docs, api):
    schema = api(docs.owner).get("/api/schema/", {"format": "json"})
    paths = body(schema)["paths"]
    [operation] = [path["post"] for url, path in paths.items() if url.endswith("/abandon/")]
    assert operation["operationId"] == "document_upload_abandon"
    assert {"204", "403", "404", "409"} <= set(operation["responses"])
