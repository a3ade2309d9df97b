"""Deleting documents: a soft delete by custodians and administrators, with a reason and an
audit event; the objects purged by a task; refused for filed files and under a legal hold."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangan.archives.models import Customer
from dangan.archives.models.customers import CustomerState
from dangan.documents import selectors
from dangan.documents.models import Document, DocumentVersion, UploadState
from dangan.documents.services import quota, uploads
from dangan.documents.services.deletion import document_delete, document_purge
from dangan.documents.services.reconcile import reconcile
from dangan.governance.models import AuditEvent
from dangan.governance.services.retention import legal_hold_set
from dangan.platform.errors import ApplicationError

from .helpers import http_put, pdf_bytes, sha


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def objects(store) -> set[str]:
    return {item["Key"] for item in store.list_tenant("")}


def available(docs, customer, run_tasks, text="Contract HT-2026-001") -> DocumentVersion:
    data = pdf_bytes(text)
    instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="合同.pdf", size=len(data),
                                        sha256=sha(data), document_fields={"document_type": "contract"})
    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    version = DocumentVersion.objects.get(pk=instructions.version.pk)
    assert version.upload_state == UploadState.AVAILABLE
    return version


def test_a_custodian_deletes_with_a_reason_and_the_objects_are_purged(docs, customer, store, run_tasks):
    version = available(docs, customer, run_tasks, text="Invoice FP-5566")
    document = version.document
    assert objects(store) == {version.object_key, version.thumbnail_key}
    assert quota.storage_used() == version.size

    with run_tasks():
        document_delete(actor=docs.custodian, document=document, reason="重复上传")
    document.refresh_from_db()
    assert document.deleted_by == docs.custodian and document.deletion_reason == "重复上传"
    assert document.state == Document.State.DELETED and document.objects_purged_at is not None
    assert objects(store) == set()  # file and thumbnail gone
    assert quota.storage_used() == 0
    # Gone for every reader: lists, search, detail, versions.
    assert not selectors.document_list(user=docs.admin).exists()
    assert not selectors.document_search(user=docs.admin, q="fp-5566").exists()
    assert selectors.document_detail(user=docs.admin, pk=document.pk) is None
    assert selectors.version_detail(user=docs.admin, pk=version.pk) is None
    event = AuditEvent.objects.get(action="document.delete")
    assert event.object_id == str(document.pk) and event.actor["id"] == docs.custodian.pk
    assert event.summary["reason"] == "重复上传" and event.summary["versions"] == [1]


def test_only_custodians_and_administrators_delete_and_always_with_a_reason(docs, customer, run_tasks):
    document = available(docs, customer, run_tasks).document
    with pytest.raises(ApplicationError) as caught:
        document_delete(actor=docs.owner, document=document, reason="不需要了")
    assert (caught.value.code, caught.value.status) == ("permission_denied", 403)
    with pytest.raises(ApplicationError) as caught:
        document_delete(actor=docs.admin, document=document, reason="   ")
    assert caught.value.code == "reason_required"
    assert Document.objects.get(pk=document.pk).deleted_at is None

    document_delete(actor=docs.admin, document=document, reason="扫描错误")
    with pytest.raises(ApplicationError) as caught:
        document_delete(actor=docs.admin, document=document, reason="again")
    assert (caught.value.code, caught.value.status) == ("document_deleted", 409)
    assert AuditEvent.objects.filter(action="document.delete").count() == 1


def test_a_legal_hold_and_a_filed_file_keep_their_documents(docs, customer, store, run_tasks):
    version = available(docs, customer, run_tasks)
    document = version.document
    hold = legal_hold_set(actor=docs.admin, customer=customer, reason="诉讼")
    with pytest.raises(ApplicationError) as caught:
        document_delete(actor=docs.custodian, document=document, reason="清理")
    assert (caught.value.code, caught.value.status) == ("legal_hold_active", 409)

    hold.released_at = timezone.now()  # released: the hold no longer stands in the way…
    hold.save(update_fields=["released_at"])
    Customer.objects.filter(pk=customer.pk).update(state=CustomerState.FILED)  # …but filing does
    with pytest.raises(ApplicationError) as caught:
        document_delete(actor=docs.custodian, document=document, reason="清理")
    assert (caught.value.code, caught.value.status) == ("customer_file_filed", 409)
    assert Document.objects.get(pk=document.pk).deleted_at is None
    assert objects(store) == {version.object_key, version.thumbnail_key}
    assert not AuditEvent.objects.filter(action="document.delete").exists()


def test_uploads_in_flight_are_rejected_and_a_deleted_document_takes_no_new_version(docs, customer, store, run_tasks):
    version = available(docs, customer, run_tasks)
    data = pdf_bytes("v2")
    instructions = uploads.upload_start(actor=docs.owner, document=version.document, filename="v2.pdf",
                                        size=len(data), sha256=sha(data))
    pending = instructions.version
    http_put(instructions.url, data, instructions.headers)  # sent, never completed
    assert quota.storage_used() == version.size + len(data)
    with run_tasks():
        document_delete(actor=docs.custodian, document=version.document, reason="作废")
    pending.refresh_from_db()
    assert (pending.upload_state, pending.rejection_code) == (UploadState.REJECTED, "document_deleted")
    assert quota.storage_used() == 0 and objects(store) == set()
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_complete(actor=docs.owner, version=pending)
    assert caught.value.code == "upload_not_pending"
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_start(actor=docs.owner, document=version.document, filename="v3.pdf", size=5,
                             sha256="a" * 64)
    assert caught.value.code == "document_deleted"


def test_deleting_a_document_lowers_the_files_completeness(docs, new_customer, run_tasks):
    from dangan.documents.services.checklists import completeness

    buyer = new_customer(category="gf", name="王购房", custom_fields={"unit_no": "3-1-502"})
    before = completeness(buyer)
    data = pdf_bytes("认购书")
    instructions = uploads.upload_start(actor=docs.owner, customer=buyer, filename="认购书.pdf", size=len(data),
                                        sha256=sha(data), document_fields={"document_type": "subscription",
                                                                           "original_or_copy": "original"})
    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    with_document = completeness(buyer)
    assert with_document.percent > before.percent
    document_delete(actor=docs.custodian, document=instructions.version.document, reason="录错客户")
    assert completeness(buyer).percent == before.percent


def test_a_lost_purge_is_queued_again_and_deleted_versions_are_never_flagged_missing(docs, customer, store,
                                                                                   run_tasks):
    version = available(docs, customer, run_tasks)
    document_delete(actor=docs.custodian, document=version.document, reason="重复")  # the purge task never ran
    assert objects(store) == {version.object_key, version.thumbnail_key}
    report = reconcile()
    assert report["missing"] == 0 and report["orphans_deleted"] == 0 and report["purges_requeued"] == 0
    with run_tasks():
        report = reconcile(now=timezone.now() + dt.timedelta(hours=1))
    assert report["purges_requeued"] == 1 and report["missing"] == 0
    assert objects(store) == set()
    assert Document.objects.get(pk=version.document_id).objects_purged_at is not None
    assert document_purge(version.document_id).pk == version.document_id  # idempotent
