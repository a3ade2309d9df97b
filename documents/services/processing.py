"""The processing pipeline of a verified version (the documents.process_version task):
virus scan (fail closed), page count and text (PDF text layer, OFD text, OCR of scans),
thumbnail; then the version becomes available and the document's search vector and the
file's completeness follow.

Idempotent: it acts only on `verified` versions, works on a private copy on the worker's disk,
writes derived objects to fixed keys, and makes the version available in one locked
transaction — a run killed anywhere leaves the version `verified` for a later run.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangan.platform.logging import get_logger

from .. import extract, ocr, scanning
from ..models import Document, DocumentVersion, OcrStatus, ScanStatus, StepStatus, UploadState
from ..storage import object_store
from .uploads import _set_state, version_reject

log = get_logger(__name__)


def thumbnail_key_for(version: DocumentVersion) -> str:
    return f"{version.object_key}.thumb.png"


def _save(version: DocumentVersion, **fields) -> None:
    for name, value in fields.items():
        setattr(version, name, value)
    DocumentVersion.objects.filter(pk=version.pk).update(**fields)


def version_process(version_id: int) -> DocumentVersion | None:
    version = DocumentVersion.objects.select_related("document").filter(pk=version_id).first()
    if version is None or version.upload_state != UploadState.VERIFIED:
        return version
    _save(version, processing_started_at=timezone.now(), processing_attempts=version.processing_attempts + 1,
          text_status=StepStatus.RUNNING, processing_error="")
    store = object_store()
    with tempfile.TemporaryDirectory(prefix="dangan-doc-") as folder:
        path = Path(folder) / "original"
        with open(path, "wb") as handle:
            store.download_to(version.object_key, handle)

        # 1. virus scan — fail closed: ScannerUnavailable propagates (the task retries) and the
        # version stays `verified`, out of reach, with a visible scan_failed status.
        if scanning.configured():
            try:
                with open(path, "rb") as handle:
                    verdict = scanning.scan_stream(iter(lambda: handle.read(scanning.CHUNK), b""))
            except scanning.ScannerUnavailable as exc:
                _save(version, scan_status=ScanStatus.FAILED, processing_error=str(exc)[:500])
                raise
            if not verdict.clean:
                code = "scan_limit_exceeded" if verdict.limit_exceeded else "virus_found"
                with transaction.atomic():
                    locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
                    locked.scan_status = ScanStatus.FAILED if verdict.limit_exceeded else ScanStatus.INFECTED
                    locked.scan_signature = verdict.signature
                    return version_reject(locked, code=code, detail=verdict.signature)
            scan_status = ScanStatus.CLEAN
        else:
            scan_status = ScanStatus.NOT_CONFIGURED
        _save(version, scan_status=scan_status, scan_signature="")

        # 2. pages and text
        results: dict = {}
        try:
            found = extract.analyse(path, version.mime_type)
            results.update(page_count=found.page_count, text=found.text, text_status=StepStatus.DONE)
        except extract.ExtractFailed as exc:
            found = None
            results.update(text_status=StepStatus.FAILED, processing_error=str(exc)[:500])
        if found is None or not found.needs_ocr:
            results["ocr_status"] = OcrStatus.NOT_NEEDED if found is not None else OcrStatus.FAILED
        elif not ocr.available():
            results["ocr_status"] = OcrStatus.UNAVAILABLE
        else:
            try:
                ocr_text = extract.ocr_text(path, version.mime_type)
                results.update(ocr_status=OcrStatus.DONE, text="\n".join(t for t in (found.text, ocr_text) if t))
            except (ocr.OcrFailed, extract.ExtractFailed, OSError) as exc:
                results.update(ocr_status=OcrStatus.FAILED, processing_error=str(exc)[:500])

        # 3. thumbnail, next to the version's object
        try:
            store.put_bytes(thumbnail_key_for(version), extract.thumbnail(path, version.mime_type),
                            content_type="image/png")
            results.update(thumbnail_key=thumbnail_key_for(version), thumbnail_status=StepStatus.DONE)
        except Exception as exc:  # noqa: BLE001 — a preview is never worth losing the document
            log.warning("thumbnail_failed", version=version.pk, error=str(exc)[:200])
            results.update(thumbnail_status=StepStatus.FAILED)

    if settings.DOCUMENTS_FAULT_PAUSE_SECONDS:
        time.sleep(settings.DOCUMENTS_FAULT_PAUSE_SECONDS)  # crash tests kill the worker here
    return _make_available(version.pk, results)


@transaction.atomic
def _make_available(version_id: int, results: dict) -> DocumentVersion:
    from .checklists import completeness_refresh
    from .documents import refresh_search

    version = DocumentVersion.objects.select_for_update().get(pk=version_id)
    if version.upload_state != UploadState.VERIFIED:
        return version  # a parallel run finished (or the version was rejected) meanwhile
    document = Document.objects.select_for_update(of=("self",)).select_related("customer", "document_type", "current_version") \
        .get(pk=version.document_id)
    for name, value in results.items():
        setattr(version, name, value)
    version.processed_at = timezone.now()
    _set_state(version, UploadState.AVAILABLE)
    version.save()
    if document.current_version is None or document.current_version.number < version.number:
        document.current_version = version
        document.state = Document.State.AVAILABLE
        document.save(update_fields=["current_version", "state", "updated_at"])
        refresh_search(document, text=version.text)
        completeness_refresh(document.customer)
    return version
