"""Deleting a document: a soft delete with a reason and an audit event, then its versions'
objects purged by the documents.purge_document task.

Custodians and company administrators may delete. A document of a filed file (归档, 封存)
stays — a filed record is never changed silently; its end is the destruction procedure
(governance, R7) — and so does any document of a file under a legal hold.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dangan.accounts import roles
from dangan.governance.models import LegalHold
from dangan.governance.services.audit import audit_record
from dangan.platform.errors import ApplicationError
from dangan.platform.logging import get_logger

from .. import errors
from ..models import Document, DocumentVersion, UploadState
from ..storage import object_store
from . import quota
from .uploads import version_reject

log = get_logger(__name__)

MAX_REASON = 500


def can_delete(actor) -> bool:
    return roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN)


@transaction.atomic
def document_delete(*, actor, document: Document, reason: str) -> Document:
    """Refused without a reason, for a filed file or one under a legal hold. Uploads still in
    flight are rejected, the bytes stop counting against the quota, the file's completeness is
    recomputed, and the objects are purged after commit."""
    from .checklists import completeness_refresh

    if not can_delete(actor):
        raise ApplicationError(errors.DELETE_FORBIDDEN)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(errors.DELETE_REASON_REQUIRED, field="reason")
    document = (Document.objects.select_for_update(of=("self",)).select_related("customer", "document_type")
                .get(pk=document.pk))
    if document.deleted_at is not None:
        raise ApplicationError(errors.DOCUMENT_DELETED)
    customer = document.customer
    if customer.is_filed:
        raise ApplicationError(errors.DELETE_FILE_FILED)
    if LegalHold.objects.filter(customer=customer, released_at__isnull=True).exists():
        raise ApplicationError(errors.DELETE_LEGAL_HOLD)

    versions = list(DocumentVersion.objects.select_for_update().filter(document=document).order_by("number"))
    for version in versions:
        if version.upload_state in (UploadState.PENDING, UploadState.UPLOADED, UploadState.VERIFIED):
            version_reject(version, code="document_deleted")  # gives its reservation back
    quota.release(sum(version.size or 0 for version in versions if version.upload_state == UploadState.AVAILABLE))

    document.deleted_at, document.deleted_by, document.deletion_reason = timezone.now(), actor, reason[:MAX_REASON]
    document.state = Document.State.DELETED
    document.search_vector = None
    document.save(update_fields=["deleted_at", "deleted_by", "deletion_reason", "state", "search_vector",
                                 "updated_at"])
    audit_record(actor=actor, action="document.delete", obj=document, summary={
        "customer": customer.pk, "archive_number": customer.archive_number, "document_type": document.document_type.code,
        "versions": [version.number for version in versions], "reason": document.deletion_reason})
    completeness_refresh(customer)
    queue_purge(document)
    return document


def queue_purge(document: Document) -> None:
    from ..tasks import purge_document

    pk = document.pk
    transaction.on_commit(lambda: purge_document.delay(pk))


def document_purge(document_id: int) -> Document | None:
    """Delete every object of a deleted document's versions (file, thumbnail, anything left in
    quarantine). Idempotent: deleting a missing key succeeds, and a purged document is skipped."""
    document = Document.objects.filter(pk=document_id, deleted_at__isnull=False).first()
    if document is None or document.objects_purged_at is not None:
        return document
    keys = [key for row in DocumentVersion.objects.filter(document=document)
            .values_list("object_key", "thumbnail_key", "quarantine_key") for key in row if key]
    if keys:
        object_store().delete_keys(keys)
    Document.objects.filter(pk=document.pk).update(objects_purged_at=timezone.now())
    log.info("document_purged", document=document.pk, objects=len(keys))
    return document
