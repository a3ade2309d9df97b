"""Deleting a document over REST: custodians and administrators with a reason; everyone else —
a salesperson of the file, an invisible colleague, another company editing the id — refused."""
from __future__ import annotations

import pytest
from django.db import connection

from dangan.archives.models import Customer
from dangan.archives.models.customers import CustomerState
from dangan.documents.models import Document
from dangan.governance.models import AuditEvent
from dangan.governance.services.retention import legal_hold_set
from tests.documents.helpers import body, pdf_bytes

from .test_documents_api import direct_upload, objects


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def delete(client, document_id: int, reason: str | None = "重复上传"):
    payload = {} if reason is None else {"reason": reason}
    return client.post(f"/api/v1/documents/{document_id}/delete/", payload, content_type="application/json")


def test_a_custodian_deletes_a_document_and_it_is_gone_everywhere(docs, api, customer, store, run_tasks):
    owner = api(docs.owner)
    started = direct_upload(owner, customer, pdf_bytes("Receipt SJ-20261127"), run_tasks)
    document_id, version_id = started["document"]["id"], started["version"]["id"]
    custodian = api(docs.custodian)
    with run_tasks():
        response = delete(custodian, document_id)
    assert response.status_code == 202, response.content
    deleted = body(response)
    assert (deleted["id"], deleted["deleted_by"], deleted["deletion_reason"]) == (document_id, docs.custodian.pk, "重复上传")
    for client in (owner, custodian):
        assert client.get(f"/api/v1/documents/{document_id}/").status_code == 404
        assert client.get(f"/api/v1/document-versions/{version_id}/download/").status_code == 404
        assert body(client.get(f"/api/v1/customers/{customer.pk}/documents/"))["results"] == []
        assert body(client.get("/api/v1/documents/search/", {"q": "sj-20261127"}))["results"] == []
    assert body(owner.get("/api/v1/documents/upload-limits/"))["used_bytes"] == 0
    assert objects(store) == set()
    assert AuditEvent.objects.filter(action="document.delete", object_id=str(document_id)).count() == 1
    assert delete(custodian, document_id).status_code == 404  # already gone


def test_deletion_needs_a_reason_and_the_right_role(docs, api, customer, run_tasks):
    started = direct_upload(api(docs.owner), customer, pdf_bytes(), run_tasks)
    document_id = started["document"]["id"]
    missing = delete(api(docs.admin), document_id, reason=None)
    assert missing.status_code == 400 and "reason" in body(missing)["error"]["fields"]
    refused = delete(api(docs.owner), document_id)  # sees the file, may not delete
    assert refused.status_code == 403 and body(refused)["error"]["code"] == "permission_denied"
    assert delete(api(docs.outsider), document_id).status_code == 404  # does not see the file
    assert Document.objects.get(pk=document_id).deleted_at is None


def test_legal_holds_and_filed_files_refuse_deletion_with_clear_errors(docs, api, customer, run_tasks):
    started = direct_upload(api(docs.owner), customer, pdf_bytes(), run_tasks)
    document_id = started["document"]["id"]
    hold = legal_hold_set(actor=docs.admin, customer=customer, reason="审计调查")
    held = delete(api(docs.admin), document_id)
    assert held.status_code == 409
    error = body(held)["error"]
    assert error["code"] == "legal_hold_active" and "法律保全" in error["message"]["zh-hans"]
    assert "legal hold" in error["message"]["en"]
    hold.delete()
    Customer.objects.filter(pk=customer.pk).update(state=CustomerState.FILED)
    filed = delete(api(docs.admin), document_id)
    assert filed.status_code == 409 and body(filed)["error"]["code"] == "customer_file_filed"
    assert Document.objects.get(pk=document_id).deleted_at is None


def test_another_company_cannot_delete_by_id(docs, api, customer, other_company, run_tasks, store):
    started = direct_upload(api(docs.owner), customer, pdf_bytes("secret"), run_tasks)
    document_id = started["document"]["id"]
    response = delete(other_company, document_id)
    assert response.status_code == 404
    connection.set_tenant(docs.tenant)
    document = Document.objects.get(pk=document_id)
    assert document.deleted_at is None and document.state == Document.State.AVAILABLE
    assert len(objects(store)) == 2  # the file and its thumbnail are still there
    assert not AuditEvent.objects.filter(action="document.delete").exists()


def test_openapi_documents_the_delete_operation(docs, api):
    schema = api(docs.admin).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operations = {op["operationId"]: (path, op) for path, item in body(schema)["paths"].items()
                  for op in item.values() if isinstance(op, dict) and "operationId" in op}
    path, operation = operations["document_delete"]
    assert path.endswith("/delete/") and {"202", "403", "409"} <= set(operation["responses"])
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert body(schema)["components"]["schemas"][reference]["required"] == ["reason"]
