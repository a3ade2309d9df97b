"""Downloads: short-lived presigned GETs, each issuance recorded (who, when, which version)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangan.governance.services.access import document_access_record
from dangan.platform.errors import ApplicationError

from .. import errors
from ..filenames import download_name
from ..models import DocumentVersion, DownloadRecord, UploadState
from ..storage import object_store

# Links expire within five minutes whatever the settings say: a leaked link dies quickly.
MAX_LINK_SECONDS = 300


@dataclass
class DownloadLink:
    url: str
    filename: str
    expires_at: dt.datetime
    record: DownloadRecord | None = None


def _link_seconds() -> int:
    return min(settings.S3_PRESIGN_SECONDS, MAX_LINK_SECONDS)


def refuse_classified(version: DocumentVersion) -> None:
    """A classified (密级) document never leaves as a file, whoever asks: no presigned URL of its
    bytes or its preview. It is read as watermarked page images (governance/watermark.py)."""
    from dangan.governance.selectors import is_classified
    from dangan.governance.services.confidentiality import CLASSIFIED_NOT_DOWNLOADABLE

    document = version.document
    if is_classified(document.customer, document):
        raise ApplicationError(CLASSIFIED_NOT_DOWNLOADABLE)


@transaction.atomic
def download_issue(*, actor, version: DocumentVersion, api_key=None, ip_address: str | None = None) -> DownloadLink:
    """Only available versions whose object is present; the caller checked visibility."""
    refuse_classified(version)
    if version.upload_state != UploadState.AVAILABLE or version.object_missing_at is not None:
        state = "文件缺失 missing" if version.object_missing_at else version.get_upload_state_display()
        raise ApplicationError(errors.NOT_AVAILABLE, state=state)
    seconds = _link_seconds()
    filename = download_name(version.original_filename, version.mime_type,
                             fallback_stem=f"document-{version.document_id}-v{version.number}")
    url = object_store().presigned_get(version.object_key, filename=filename, content_type=version.mime_type,
                                       expires=seconds)
    expires_at = timezone.now() + dt.timedelta(seconds=seconds)
    record = DownloadRecord.objects.create(version=version, document_id=version.document_id, user=actor,
                                           api_key=api_key, expires_at=expires_at, ip_address=ip_address)
    document_access_record(actor=actor, action="download", version=version, ip=ip_address, api_key=api_key)
    return DownloadLink(url=url, filename=filename, expires_at=expires_at, record=record)


def thumbnail_link(*, version: DocumentVersion, actor=None) -> DownloadLink:
    """A preview is not the document: not recorded as a download, but the query log keeps who
    previewed what."""
    refuse_classified(version)
    if not version.thumbnail_key or version.upload_state != UploadState.AVAILABLE:
        raise ApplicationError(errors.NO_THUMBNAIL)
    if actor is not None:
        document_access_record(actor=actor, action="preview", version=version)
    seconds = _link_seconds()
    url = object_store().presigned_get(version.thumbnail_key, content_type="image/png", expires=seconds)
    return DownloadLink(url=url, filename="thumbnail.png", expires_at=timezone.now() + dt.timedelta(seconds=seconds))
