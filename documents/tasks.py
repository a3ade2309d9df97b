"""Document tasks: thin, idempotent, retried; each runs in the tenant it was queued from."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from dangan.platform.tasks import tenant_task

from .scanning import ScannerUnavailable
from .storage import PurgeIncomplete

# Storage hiccups and an unreachable scanner are worth retrying; anything else is a bug that
# retries would only hide. The version stays out of "available" meanwhile (fail closed).
_TRANSIENT = (BotoCoreError, ClientError, PurgeIncomplete, ConnectionError, TimeoutError)


@tenant_task(name="documents.verify_version", autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=6)
def verify_version(version_id: int) -> dict | None:
    from .services.uploads import version_verify

    version = version_verify(version_id)
    return None if version is None else {"version": version.pk, "state": version.upload_state}


@tenant_task(name="documents.process_version", autoretry_for=(*_TRANSIENT, ScannerUnavailable), retry_backoff=True,
             retry_backoff_max=600, max_retries=8)
def process_version(version_id: int) -> dict | None:
    from .services.processing import version_process

    version = version_process(version_id)
    return None if version is None else {"version": version.pk, "state": version.upload_state,
                                         "ocr": version.ocr_status, "scan": version.scan_status}


@tenant_task(name="documents.reconcile", autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=3)
def reconcile() -> dict:
    from .services.reconcile import reconcile as run

    return run()


@tenant_task(name="documents.recompute_completeness")
def recompute_completeness(category_id: int) -> int:
    from .services.checklists import recompute_category

    return recompute_category(category_id)


@tenant_task(name="documents.refresh_search")
def refresh_document_search(document_id: int) -> dict | None:
    from .services.documents import search_refresh

    document = search_refresh(document_id)
    return None if document is None else {"document": document.pk}


@tenant_task(name="documents.purge_document", autoretry_for=_TRANSIENT, retry_backoff=True, retry_backoff_max=600,
             max_retries=8)
def purge_document(document_id: int) -> dict | None:
    from .services.deletion import document_purge

    document = document_purge(document_id)
    return None if document is None else {"document": document.pk, "purged": document.objects_purged_at is not None}
