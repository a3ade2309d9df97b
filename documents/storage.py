"""Object storage: one thin boto3 wrapper. Every key lives under its tenant's prefix.

The key layout is `<schema_name>/<key>`: a tenant's objects can be listed, measured and purged
by prefix, and no code path builds a key without naming the tenant. The current tenant comes
from the database connection (set by the tenant middleware or by the task's tenant header).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import BinaryIO, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.db import connection
from django.utils.deconstruct import deconstructible
from django_tenants.utils import get_public_schema_name
from storages.backends.s3 import S3Storage

from dangan.platform import errors
from dangan.platform.errors import ApplicationError

CHUNK_SIZE = 8 * 1024 * 1024  # multipart part size; also the streaming read size


def tenant_prefix(schema_name: str) -> str:
    return f"{schema_name}/"


def current_schema() -> str:
    schema = getattr(connection, "schema_name", None)
    if not schema or schema == get_public_schema_name():
        raise ApplicationError(errors.TENANT_REQUIRED)
    return schema


def _client_config() -> Config:
    # rclone serve s3 answers ranged GETs without the checksums boto3 validates by default;
    # "when_required" keeps full validation where the S3 API mandates it.
    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )


class ObjectStore:
    def __init__(self) -> None:
        self.bucket = settings.S3_BUCKET
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.S3_ENDPOINT_URL,
            aws_access_key_id=settings.S3_ACCESS_KEY_ID,
            aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY,
            region_name=settings.S3_REGION,
            config=_client_config(),
        )
        self._bucket_checked = False

    # --- bucket ---------------------------------------------------------------------------
    def ensure_bucket(self) -> None:
        if self._bucket_checked:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchBucket", "NotFound") and settings.S3_CREATE_BUCKET:
                self.client.create_bucket(Bucket=self.bucket)
            else:
                raise
        self._bucket_checked = True

    def check(self) -> None:
        self._bucket_checked = False
        self.ensure_bucket()

    # --- keys -----------------------------------------------------------------------------
    @staticmethod
    def key_for(schema_name: str, key: str) -> str:
        key = key.lstrip("/")
        if not key or ".." in key.split("/"):
            raise ValueError(f"unsafe object key {key!r}")
        return tenant_prefix(schema_name) + key

    def tenant_key(self, key: str) -> str:
        """Full key for `key` in the current tenant."""
        return self.key_for(current_schema(), key)

    # --- objects --------------------------------------------------------------------------
    def put_stream(self, key: str, stream: BinaryIO, *, content_type: str = "application/octet-stream",
                   metadata: dict[str, str] | None = None) -> dict:
        """Stream `stream` to the current tenant's `key` (multipart above CHUNK_SIZE), hashing as it goes.

        Returns {"key", "size", "sha256"}; memory stays at about one part whatever the size.
        """
        self.ensure_bucket()
        full_key = self.tenant_key(key)
        digest = hashlib.sha256()
        size = 0

        class _Hashing:
            def read(self_inner, n: int = -1) -> bytes:
                nonlocal size
                data = stream.read(n)
                digest.update(data)
                size += len(data)
                return data

        from boto3.s3.transfer import TransferConfig

        self.client.upload_fileobj(
            _Hashing(), self.bucket, full_key,
            ExtraArgs={"ContentType": content_type, "Metadata": metadata or {}},
            Config=TransferConfig(multipart_threshold=CHUNK_SIZE, multipart_chunksize=CHUNK_SIZE,
                                  max_concurrency=2, use_threads=True),
        )
        return {"key": full_key, "size": size, "sha256": digest.hexdigest()}

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self.tenant_key(key))["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.tenant_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.tenant_key(key))

    def presigned_get(self, key: str, *, filename: str | None = None, expires: int | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": self.tenant_key(key)}
        if filename:
            from urllib.parse import quote

            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=min(expires or settings.S3_PRESIGN_SECONDS, 300))

    def presigned_put(self, key: str, *, content_type: str = "application/octet-stream",
                      expires: int | None = None) -> str:
        self.ensure_bucket()
        return self.client.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": self.tenant_key(key), "ContentType": content_type},
            ExpiresIn=expires or settings.S3_PRESIGN_SECONDS)

    # --- whole tenants (platform side: the schema is named explicitly) ---------------------
    def list_prefix(self, prefix: str) -> Iterator[dict]:
        self.ensure_bucket()
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def usage(self, schema_name: str) -> tuple[int, int]:
        count = size = 0
        for item in self.list_prefix(tenant_prefix(schema_name)):
            count += 1
            size += item["Size"]
        return count, size

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/") or prefix.count("/") != 1 or prefix in ("/", "public/"):
            raise ValueError(f"refusing to purge prefix {prefix!r}")
        deleted = 0
        batch: list[dict] = []
        for item in self.list_prefix(prefix):
            batch.append({"Key": item["Key"]})
            if len(batch) == 1000:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
                deleted += len(batch)
                batch = []
        if batch:
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            deleted += len(batch)
        return deleted


@lru_cache(maxsize=1)
def object_store() -> ObjectStore:
    return ObjectStore()


@deconstructible
class TenantS3Storage(S3Storage):
    """django-storages for FileFields, on the same bucket, with the current tenant's prefix."""

    def __init__(self, **settings_overrides):
        from django.conf import settings as dj

        defaults = dict(
            bucket_name=dj.S3_BUCKET, endpoint_url=dj.S3_ENDPOINT_URL, access_key=dj.S3_ACCESS_KEY_ID,
            secret_key=dj.S3_SECRET_ACCESS_KEY, region_name=dj.S3_REGION, addressing_style="path",
            signature_version="s3v4", querystring_expire=min(dj.S3_PRESIGN_SECONDS, 300), file_overwrite=False,
            client_config=_client_config(),
        )
        defaults.update(settings_overrides)
        super().__init__(**defaults)

    def _normalize_name(self, name):
        return super()._normalize_name(tenant_prefix(current_schema()) + name.lstrip("/"))
