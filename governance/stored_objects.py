"""What a customer file holds in object storage (the documents app's versions, thumbnails,
previews), and S3 Object Lock for it where the bucket supports it.

The documents app is optional here: without its models a file has no objects.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from botocore.exceptions import ClientError
from django.apps import apps
from django.conf import settings
from django.db import models

from dangan.platform.logging import get_logger

log = get_logger(__name__)

# Answers that mean "this server or bucket has no Object Lock": rclone serve s3 (the embedded
# server) says NotImplemented; AWS and MinIO say ObjectLockConfigurationNotFoundError for a
# bucket created without it.
UNSUPPORTED_CODES = {"NotImplemented", "ObjectLockConfigurationNotFoundError", "501", "InvalidRequest",
                     "MethodNotAllowed", "InvalidBucketState"}


def _document_models():
    try:
        return apps.get_model("documents", "Document"), apps.get_model("documents", "DocumentVersion")
    except LookupError:
        return None, None


def _key_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields
            if isinstance(f, models.CharField) and f.name.endswith("_key")]


def customer_objects(customer_pk: int) -> list[dict]:
    """Every object key (relative to the tenant prefix) the file's documents reference, with the
    SHA-256 known for it, plus the document folders whose whole content belongs to the file."""
    Document, Version = _document_models()
    if Document is None:
        return []
    found: dict[str, str] = {}
    folders = []
    for document in Document.objects.filter(customer_id=customer_pk):
        folders.append(f"docs/{document.pk}/")
        for name in _key_fields(Document):
            if getattr(document, name):
                found.setdefault(getattr(document, name), "")
    for version in Version.objects.filter(document__customer_id=customer_pk):
        for name in _key_fields(Version):
            key = getattr(version, name)
            if key:
                found[key] = version.sha256 if name == "object_key" else found.get(key, "")
    # The customer's signatures in the contract pick-up register (合同领取登记) belong to the file too.
    from .models import ContractPickup

    found.update(ContractPickup.objects.filter(customer_id=customer_pk).exclude(signature_key="")
                 .values_list("signature_key", "signature_sha256"))
    objects = [{"key": key, "sha256": sha} for key, sha in sorted(found.items())]
    return objects + [{"prefix": folder} for folder in folders]


@lru_cache(maxsize=8)
def _bucket_supports_object_lock(bucket: str) -> bool:
    from dangan.documents.storage import object_store

    store = object_store()
    try:
        store.ensure_bucket()
        configuration = store.client.get_object_lock_configuration(Bucket=bucket)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if code in UNSUPPORTED_CODES or status in ("501", "404", "405"):
            return False
        raise
    return configuration.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"


def object_lock_supported() -> bool:
    """Feature detection, once per bucket and process."""
    return _bucket_supports_object_lock(settings.S3_BUCKET)


def lock_until(keys: list[str], until: dt.date) -> int:
    """Lock `keys` (current tenant) until the end of `until` in GOVERNANCE mode (a retention
    rule may still be shortened by an operator with the bypass permission; COMPLIANCE could
    never be). Returns how many objects were locked; 0 where the bucket has no Object Lock."""
    if not keys or until is None or not object_lock_supported():
        return 0
    from dangan.documents.storage import object_store

    store = object_store()
    retain = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.timezone.utc)
    locked = 0
    for key in keys:
        try:
            store.client.put_object_retention(Bucket=store.bucket, Key=store.tenant_key(key),
                                              Retention={"Mode": "GOVERNANCE", "RetainUntilDate": retain})
            locked += 1
        except ClientError as exc:  # e.g. an existing longer lock: never shortened from here
            log.warning("object_lock_failed", key=key, code=exc.response.get("Error", {}).get("Code"))
    return locked
