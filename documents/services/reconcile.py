"""The reconciler: rows against the bucket listing of one tenant (periodic task and the
`reconcile_documents` command).

- Objects under `docs/` and `quarantine/` that no row claims and that are older than the grace
  period are deleted (a web process that died between presign and commit, a worker killed after
  a copy, a rejected version whose delete failed).
- Verified or available versions whose object is gone are flagged (`object_missing_at`) and
  refused for download; the flag clears if the object comes back (a restore).
- Pending uploads past their URLs' expiry are closed (rejected `upload_expired`), their
  quarantine object and unfinished multipart upload removed.
- Versions stuck in `uploaded` or `verified` (a killed worker whose message the broker did not
  redeliver) are queued again; the tasks are idempotent.
- Deleted documents whose objects were not purged are queued for purging again; their rows
  claim no object (what a purge missed goes as an orphan).
- The storage usage counter is recounted from the rows (documents/services/quota.py).

Rows are read before the bucket is listed: an object written after the read belongs to a row
the read did not see, and is younger than the grace period anyway.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangan.platform.logging import get_logger

from ..models import Document, DocumentVersion, UploadState
from ..storage import object_store
from . import quota
from .deletion import queue_purge
from .uploads import queue_process, queue_verify, version_reject

log = get_logger(__name__)

PREFIXES = ("docs/", "quarantine/")
REPORT_LIMIT = 200  # keys listed in the report; the counts are complete


def reconcile(*, now: dt.datetime | None = None, grace: dt.timedelta | None = None,
              stalled: dt.timedelta | None = None, dry_run: bool = False) -> dict:
    now = now or timezone.now()
    grace = grace if grace is not None else dt.timedelta(hours=settings.DOCUMENTS_ORPHAN_GRACE_HOURS)
    stalled = stalled if stalled is not None else dt.timedelta(minutes=settings.DOCUMENTS_STALLED_MINUTES)
    store = object_store()

    # 1. rows first (see the module docstring)
    claimed: set[str] = set()
    stored_versions: dict[str, tuple[int, bool]] = {}  # object key → (version id, flagged missing)
    rows = DocumentVersion.objects.filter(document__deleted_at__isnull=True).values_list(
        "pk", "upload_state", "object_key", "quarantine_key", "thumbnail_key", "object_missing_at")
    for pk, state, object_key, quarantine_key, thumbnail_key, missing_at in rows.iterator(chunk_size=5000):
        if state in (UploadState.PENDING, UploadState.UPLOADED):
            claimed.add(quarantine_key)
            claimed.add(object_key)  # a verify run may have copied it and not yet committed
        elif state in (UploadState.VERIFIED, UploadState.AVAILABLE):
            claimed.update((object_key, thumbnail_key))
            stored_versions[object_key] = (pk, missing_at is not None)
    claimed.discard("")

    # 2. the listing
    listed: set[str] = set()
    orphans: list[str] = []
    cutoff = now - grace
    for prefix in PREFIXES:
        for item in store.list_tenant(prefix):
            listed.add(item["Key"])
            if item["Key"] not in claimed and item["LastModified"] < cutoff:
                orphans.append(item["Key"])
    if orphans and not dry_run:
        store.delete_keys(orphans)

    # 3. rows whose object is gone (or back)
    missing = [(key, pk) for key, (pk, flagged) in stored_versions.items() if key not in listed and not flagged]
    returned = [pk for key, (pk, flagged) in stored_versions.items() if key in listed and flagged]
    if not dry_run:
        if missing:
            DocumentVersion.objects.filter(pk__in=[pk for _, pk in missing], object_missing_at__isnull=True) \
                .update(object_missing_at=now)
        if returned:
            DocumentVersion.objects.filter(pk__in=returned).update(object_missing_at=None)

    # 4. expired uploads, 5. stalled work
    expired = _expire_uploads(now, dry_run=dry_run)
    requeued = _requeue_stalled(now - stalled, dry_run=dry_run)
    aborted = _abort_stale_multipart(cutoff, claimed, dry_run=dry_run)
    purges = _requeue_purges(now - stalled, dry_run=dry_run)
    usage_before, usage_after = quota.usage_recount() if not dry_run else (quota.storage_used(),) * 2

    report = {
        "objects": len(listed), "orphans": len(orphans), "orphans_deleted": 0 if dry_run else len(orphans),
        "orphan_keys": orphans[:REPORT_LIMIT], "missing": len(missing),
        "missing_versions": [pk for _, pk in missing][:REPORT_LIMIT], "missing_restored": len(returned),
        "expired_uploads": len(expired), "requeued": len(requeued), "multipart_aborted": aborted,
        "purges_requeued": len(purges), "usage_bytes_before": usage_before, "usage_bytes": usage_after,
        "dry_run": dry_run,
    }
    log.info("documents_reconciled", **{k: v for k, v in report.items() if not isinstance(v, list)})
    return report


def _expire_uploads(now: dt.datetime, *, dry_run: bool) -> list[int]:
    due = list(DocumentVersion.objects.filter(upload_state=UploadState.PENDING, upload_expires_at__lt=now)
               .values_list("pk", flat=True))
    if dry_run:
        return due
    for pk in due:
        with transaction.atomic():
            # gone meanwhile: abandoned by its uploader (uploads.upload_abandon)
            version = DocumentVersion.objects.select_for_update().filter(pk=pk).first()
            if version is not None and version.upload_state == UploadState.PENDING:
                version_reject(version, code="upload_expired")
    return due


def _requeue_stalled(before: dt.datetime, *, dry_run: bool) -> list[int]:
    stuck = DocumentVersion.objects.filter(
        upload_state__in=[UploadState.UPLOADED, UploadState.VERIFIED], state_changed_at__lt=before,
    ).filter(Q(processing_started_at__isnull=True) | Q(processing_started_at__lt=before))
    ids = []
    for version in stuck.only("pk", "upload_state"):
        ids.append(version.pk)
        if dry_run:
            continue
        with transaction.atomic():
            if version.upload_state == UploadState.UPLOADED:
                queue_verify(version)
            else:
                queue_process(version)
    return ids


def _abort_stale_multipart(cutoff: dt.datetime, claimed: set[str], *, dry_run: bool) -> int:
    store = object_store()
    aborted = 0
    for upload in store.list_multipart_uploads("quarantine/"):
        if upload["Key"] in claimed or upload.get("Initiated", cutoff) >= cutoff:
            continue
        if not dry_run:
            store.abort_multipart(upload["Key"], upload_id=upload["UploadId"])
        aborted += 1
    return aborted


def _requeue_purges(before: dt.datetime, *, dry_run: bool) -> list[int]:
    """Deleted documents still holding objects a while after deletion (a lost purge task)."""
    due = list(Document.objects.filter(deleted_at__lt=before, objects_purged_at__isnull=True)
               .values_list("pk", flat=True))
    if not dry_run:
        for pk in due:
            with transaction.atomic():
                queue_purge(Document(pk=pk))
    return due
