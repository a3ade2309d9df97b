"""Uploads: every file enters through a quarantine key under the tenant prefix, is verified
(size, SHA-256, type by content) and only then promoted to its version's own key.

- Direct: `upload_start` records a pending version and hands out a presigned PUT (or one
  presigned URL per part above the multipart threshold); the client sends the bytes straight to
  storage and calls `upload_complete`; the `documents.verify_version` task streams the object
  to check it, then copies it to its final key (CopyObject) and deletes the quarantine object.
  A client that cannot send the bytes after all calls `upload_abandon` (nothing is kept).
- Proxied: the web process streams a form upload to the quarantine key part by part
  (documents/upload_handlers.py) and `proxied_upload_finish` records it the same way.

Object keys are made here, never by a client: `quarantine/<uuid>` and
`docs/<document id>/v<n>/<uuid>`. Storage deletes and task queueing run on commit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangan.archives.models import Customer
from dangan.governance.services.audit import audit_record
from dangan.platform.db import insert_instance, instance_with_related
from dangan.platform.errors import ApplicationError

from .. import errors
from ..filenames import sanitize_filename
from ..models import Document, DocumentVersion, UploadSource, UploadState
from ..storage import object_store
from . import quota
from ._common import MB, clean, require_writer
from .documents import document_create_within

# What presigned PUTs are signed for: the type is sniffed from the content anyway, so the
# client never has to guess a Content-Type that matches the signature.
UPLOAD_CONTENT_TYPE = "application/octet-stream"


@dataclass
class UploadInstructions:
    version: DocumentVersion
    expires_at: dt.datetime
    method: str  # "PUT" (one URL) or "MULTIPART" (one URL per part)
    url: str | None = None
    headers: dict | None = None
    part_size: int | None = None
    parts: list[dict] | None = None


def new_quarantine_key() -> str:
    return f"quarantine/{uuid.uuid4().hex}"


def _next_number(document: Document) -> int:
    return (document.versions.aggregate(top=Max("number"))["top"] or 0) + 1


def _new_version(*, actor, document: Document, filename: str, source: str, first: bool = False,
                 **fields) -> DocumentVersion:
    number = 1 if first else _next_number(document)
    version = DocumentVersion(
        document=document, number=number, object_key=f"docs/{document.pk}/v{number}/{uuid.uuid4().hex}",
        quarantine_key=new_quarantine_key(), original_filename=sanitize_filename(filename),
        source=source, uploaded_by=actor, **fields)
    # Keys are made here from a fresh UUID: no uniqueness query for them.
    clean(version, exclude=["document", "uploaded_by", "object_key"])
    insert_instance(version)  # every upload adds one: the INSERT's SQL is built once (platform/db.py)
    return version


def _validate_sha256(value: str | None, *, field: str = "sha256") -> str:
    text = (value or "").strip().lower()
    if len(text) != 64 or any(ch not in "0123456789abcdef" for ch in text):
        raise ApplicationError(errors.SHA256_INVALID, field=field)
    return text


# --- direct uploads --------------------------------------------------------------------------------

@transaction.atomic
def upload_start(*, actor, filename: str, size: int, sha256: str, source: str = UploadSource.API,
                 document: Document | None = None, customer: Customer | None = None,
                 document_fields: dict | None = None) -> UploadInstructions:
    """A new version of `document`, or a new document of `customer` (with `document_fields`),
    awaiting its bytes. Size and quota are checked against the declared size now; the bytes
    are checked against it after the upload."""
    require_writer(actor)
    if size <= 0:
        raise ApplicationError(errors.FILE_EMPTY, field="size")
    sha256 = _validate_sha256(sha256)
    limits = quota.check_size(size)
    first = document is None
    document = _target_document(actor, document, customer, document_fields)
    now = timezone.now()
    expires = settings.DOCUMENTS_UPLOAD_URL_SECONDS
    version = _new_version(actor=actor, document=document, filename=filename, source=source, first=first,
                           declared_size=size, declared_sha256=sha256,
                           upload_expires_at=now + dt.timedelta(seconds=expires))
    quota.reserve(size, limits=limits)  # last write of the transaction: the counter row stays locked until commit
    store = object_store()
    instructions = UploadInstructions(version=version, expires_at=version.upload_expires_at, method="PUT")
    if size > settings.DOCUMENTS_MULTIPART_THRESHOLD_MB * MB:
        part_size = settings.DOCUMENTS_MULTIPART_PART_MB * MB
        # S3 allows 10,000 parts: very large files get larger parts.
        part_size = max(part_size, math.ceil(size / 10_000))
        upload_id = store.create_multipart(version.quarantine_key, content_type=UPLOAD_CONTENT_TYPE)
        version.multipart_upload_id = upload_id
        version.save(update_fields=["multipart_upload_id"])
        instructions.method, instructions.part_size = "MULTIPART", part_size
        instructions.parts = [
            {"part_number": number, "url": store.presigned_upload_part(
                version.quarantine_key, upload_id=upload_id, part_number=number, expires=expires)}
            for number in range(1, math.ceil(size / part_size) + 1)]
    else:
        instructions.url = store.presigned_put(version.quarantine_key, content_type=UPLOAD_CONTENT_TYPE,
                                               expires=expires)
        instructions.headers = {"Content-Type": UPLOAD_CONTENT_TYPE}
    return instructions


def _target_document(actor, document: Document | None, customer: Customer | None,
                     document_fields: dict | None) -> Document:
    """A new document of `customer`, or `document` locked (its version numbers are taken in
    turn); a deleted document takes no new versions."""
    if document is None:
        return document_create_within(actor=actor, customer=customer, **(document_fields or {}))
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.deleted_at is not None:
        raise ApplicationError(errors.DOCUMENT_DELETED)
    return document


def _lock_version(version: DocumentVersion) -> DocumentVersion:
    return DocumentVersion.objects.select_for_update().select_related("document").get(pk=version.pk)


@transaction.atomic
def upload_complete(*, actor, version: DocumentVersion, parts: list[dict] | None = None) -> DocumentVersion:
    """The client says its bytes are in storage. Cheap on purpose (one HEAD): the content is
    checked by the verify task. An object of the wrong size is deleted at once and the upload
    stays open, so the client can send the right bytes to the same URL and complete again."""
    require_writer(actor)
    # The version and its document are locked (as in _lock_version); the uploader is loaded
    # for the caller's answer but not locked: every upload of one user would wait on that row.
    # One prepared statement (platform/db.py): this read is a tenth of the call's CPU through the ORM.
    version = instance_with_related(DocumentVersion, version.pk, related=("document", "uploaded_by"),
                                    lock_of=("document",))
    if version is None:  # deleted since the caller found it
        raise ApplicationError(errors.NOT_FOUND)
    if version.upload_state != UploadState.PENDING:
        raise ApplicationError(errors.UPLOAD_NOT_PENDING, state=version.get_upload_state_display())
    if version.upload_expires_at and version.upload_expires_at < timezone.now():
        raise ApplicationError(errors.UPLOAD_EXPIRED)
    store = object_store()
    if version.multipart_upload_id:
        _complete_multipart(store, version, parts)
    size = store.object_size(version.quarantine_key)
    if size is None:
        raise ApplicationError(errors.UPLOAD_OBJECT_MISSING)
    if size != version.declared_size:
        store.delete(version.quarantine_key)
        raise ApplicationError(errors.SIZE_MISMATCH, actual=size, declared=version.declared_size)
    _set_state(version, UploadState.UPLOADED)
    version.save(update_fields=["upload_state", "state_changed_at", "multipart_upload_id"])
    queue_verify(version)
    return version


@transaction.atomic
def upload_abandon(*, actor, version: DocumentVersion) -> None:
    """The client gives up on a direct upload it has not completed (a browser whose PUT storage
    refused, going on through this host): the pending version goes at once instead of at the
    reconciler's expiry, with the new document it was the first version of, its reserved bytes
    are given back and its quarantine object (or unfinished multipart upload) is deleted on
    commit. Only its uploader may, and only while it is pending: completed bytes are the
    verify task's. A PUT still arriving afterwards leaves an object no row claims, which the
    reconciler deletes after its grace period."""
    require_writer(actor)
    version = (DocumentVersion.objects.select_for_update(of=("self", "document")).select_related("document")
               .filter(pk=version.pk).first())
    if version is None:
        raise ApplicationError(errors.NOT_FOUND)
    if version.uploaded_by_id != actor.pk:
        raise ApplicationError(errors.ABANDON_FORBIDDEN)
    if version.upload_state != UploadState.PENDING:
        raise ApplicationError(errors.UPLOAD_NOT_ABANDONABLE, state=version.get_upload_state_display())
    document = version.document
    if document.deleted_at is None:  # a deleted document gave all its bytes back already
        quota.release(version.declared_size or 0)
    multipart = (version.quarantine_key, version.multipart_upload_id) if version.multipart_upload_id else None
    _delete_on_commit(version.quarantine_key, multipart=multipart)
    # The document goes too when this upload made it (its only version; a deleted document's
    # row stays for the record of its deletion).
    whole = document.deleted_at is None and not DocumentVersion.objects.filter(document_id=document.pk).exclude(
        pk=version.pk).exists()
    audit_record(actor=actor, action="document_upload.abandon", obj=document, summary={
        "customer": document.customer_id, "version": version.number, "document_deleted": whole,
        "filename": version.original_filename, "declared_size": version.declared_size})
    version.delete()
    if whole:
        located = document.physical_location_id is not None
        document.delete()
        if located:  # a recorded paper original counted towards completeness
            from .checklists import completeness_refresh

            completeness_refresh(Customer.objects.get(pk=document.customer_id))


def _complete_multipart(store, version: DocumentVersion, parts: list[dict] | None) -> None:
    from botocore.exceptions import ClientError

    if not parts:
        raise ApplicationError(errors.MULTIPART_PARTS_INVALID, field="parts", detail="parts are required")
    numbers = [part["part_number"] for part in parts]
    if numbers != list(range(1, len(parts) + 1)):
        raise ApplicationError(errors.MULTIPART_PARTS_INVALID, field="parts",
                               detail="part numbers must run 1, 2, 3 … in order")
    try:
        store.complete_multipart(version.quarantine_key, upload_id=version.multipart_upload_id,
                                 parts=[{"PartNumber": part["part_number"], "ETag": part["etag"]} for part in parts])
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchUpload",) and store.head(version.quarantine_key) is not None:
            pass  # completed by an earlier call that did not commit: the object is whole
        else:
            raise ApplicationError(errors.MULTIPART_PARTS_INVALID, field="parts", detail=code or "refused") from None
    version.multipart_upload_id = ""


def _set_state(version: DocumentVersion, state: str) -> None:
    version.upload_state = state
    version.state_changed_at = timezone.now()


def queue_verify(version: DocumentVersion) -> None:
    from ..tasks import verify_version

    pk = version.pk
    transaction.on_commit(lambda: verify_version.delay(pk))


def queue_process(version: DocumentVersion) -> None:
    from ..tasks import process_version

    pk = version.pk
    transaction.on_commit(lambda: process_version.delay(pk))


def _delete_on_commit(*keys: str, multipart: tuple[str, str] | None = None) -> None:
    keys = tuple(key for key in keys if key)

    def run():
        store = object_store()
        if multipart:
            store.abort_multipart(multipart[0], upload_id=multipart[1])
        if keys:
            store.delete_keys(list(keys))

    transaction.on_commit(run)


def version_reject(version: DocumentVersion, *, code: str, detail: str = "") -> DocumentVersion:
    """Refuse a version: state rejected with the reason, every object it had deleted on commit,
    its bytes no longer counted against the quota. Called on a locked row inside a transaction."""
    if version.upload_state in quota.COUNTED and not Document.objects.filter(
            pk=version.document_id, deleted_at__isnull=False).exists():  # a deleted document gave all back
        quota.release(version.size if version.size is not None else version.declared_size or 0)
    multipart = (version.quarantine_key, version.multipart_upload_id) if version.multipart_upload_id else None
    _delete_on_commit(version.quarantine_key, version.object_key, version.thumbnail_key, multipart=multipart)
    _set_state(version, UploadState.REJECTED)
    version.rejection_code, version.rejection_detail = code, detail[:300]
    version.multipart_upload_id = ""
    version.save()
    return version


# --- proxied uploads -------------------------------------------------------------------------------

@transaction.atomic
def proxied_upload_finish(*, actor, stored: dict, filename: str, mime_hint: str, source: str = UploadSource.WEB,
                          document: Document | None = None, customer: Customer | None = None,
                          document_fields: dict | None = None, declared_sha256: str = "") -> DocumentVersion:
    """Record a file the web process streamed to `stored["key"]` (a quarantine key): size and
    SHA-256 were measured on the way, so the verify task only sniffs and promotes. A refusal
    here deletes the object (on rollback too: the caller deletes it if this raises)."""
    require_writer(actor)
    if stored["size"] == 0:
        raise ApplicationError(errors.FILE_EMPTY, field="file")
    if declared_sha256 and _validate_sha256(declared_sha256) != stored["sha256"]:
        raise ApplicationError(errors.CHECKSUM_MISMATCH, field="sha256")
    limits = quota.check_size(stored["size"])
    first = document is None
    document = _target_document(actor, document, customer, document_fields)
    version = _new_version(actor=actor, document=document, filename=filename, source=source, first=first,
                           declared_size=stored["size"], declared_sha256=stored["sha256"],
                           size=stored["size"], sha256=stored["sha256"], mime_type=mime_hint)
    version.quarantine_key = stored["relative_key"]
    _set_state(version, UploadState.UPLOADED)
    version.save()
    quota.reserve(stored["size"], limits=limits)
    queue_verify(version)
    return version


# --- verification (the documents.verify_version task) ----------------------------------------------

def version_verify(version_id: int) -> DocumentVersion | None:
    """Check an uploaded version's bytes and promote them. Idempotent: a version past
    `uploaded` is left alone, and a crash between copy and commit is simply redone (the
    quarantine object is deleted only after the commit)."""
    from ..sniffing import ACCEPTED, SNIFF_BYTES, classify

    version = DocumentVersion.objects.filter(pk=version_id).first()
    if version is None or version.upload_state != UploadState.UPLOADED:
        return version
    store = object_store()
    head = store.head(version.quarantine_key)
    if head is None:
        return _reject_locked(version_id, code="upload_object_missing")
    size = head["ContentLength"]
    first = b""
    if version.sha256 and version.size == size:
        # Hashed by our own web process while streaming (proxied): only this server can write
        # that quarantine key, so the bytes are the ones hashed.
        first = store.read_range(version.quarantine_key, 0, min(size, SNIFF_BYTES) - 1) if size else b""
        digest, measured = version.sha256, size
    else:
        hasher, measured = hashlib.sha256(), 0
        for chunk in store.iter_chunks(version.quarantine_key):
            if len(first) < SNIFF_BYTES:
                first += chunk[:SNIFF_BYTES - len(first)]
            hasher.update(chunk)
            measured += len(chunk)
        digest = hasher.hexdigest()
    if version.declared_size is not None and measured != version.declared_size:
        return _reject_locked(version_id, code="size_mismatch", detail=f"{measured} != {version.declared_size}")
    if version.declared_sha256 and digest != version.declared_sha256:
        return _reject_locked(version_id, code="checksum_mismatch", detail=digest)
    mime = classify(first, lambda: store.open_ranged(version.quarantine_key, measured))
    if mime not in ACCEPTED:
        return _reject_locked(version_id, code="file_type_rejected", detail=mime)
    store.copy(version.quarantine_key, version.object_key)
    with transaction.atomic():
        locked = _lock_version(version)
        if locked.upload_state != UploadState.UPLOADED:
            return locked  # another run got here first; its commit owns the outcome
        locked.size, locked.sha256, locked.mime_type = measured, digest, mime
        _set_state(locked, UploadState.VERIFIED)
        locked.save()
        _delete_on_commit(locked.quarantine_key)
        queue_process(locked)
    return locked


def _reject_locked(version_id: int, *, code: str, detail: str = "") -> DocumentVersion:
    with transaction.atomic():
        version = DocumentVersion.objects.select_for_update().get(pk=version_id)
        if version.upload_state in (UploadState.AVAILABLE, UploadState.REJECTED):
            return version
        return version_reject(version, code=code, detail=detail)
