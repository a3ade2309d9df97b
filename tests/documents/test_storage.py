"""Object storage through the real S3 server: every key under its tenant's prefix, streamed
both ways, presigned links usable by a plain HTTP client, and whole-tenant usage and purge."""
from __future__ import annotations

import datetime
import hashlib
import http.server
import os
import threading
import urllib.error
import urllib.request
from unittest import mock
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import tenant_context

from dangan.documents.storage import CHUNK_SIZE, ObjectStore, object_store, tenant_prefix
from dangan.platform.errors import ApplicationError


class _RandomStream:
    """A file-like source of `size` random bytes made on demand (never all in memory), hashing
    what it hands out so the test knows the right SHA-256 independently of the code under test."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.remaining
        data = os.urandom(min(n, self.remaining))
        self.remaining -= len(data)
        self.digest.update(data)
        return data


@pytest.fixture
def store():
    store = object_store()
    store.ensure_bucket()
    return store


@pytest.fixture
def two_tenants(make_tenant, store):
    a = make_tenant(company_name="存储甲")
    b = make_tenant(company_name="存储乙")
    yield a, b
    connection.set_schema_to_public()
    for tenant in (a, b):
        store.delete_prefix(tenant_prefix(tenant.schema_name))


def _raw_body(store: ObjectStore, full_key: str) -> bytes:
    return store.client.get_object(Bucket=store.bucket, Key=full_key)["Body"].read()


def test_put_head_read_delete_round_trip_under_the_tenant_prefix(two_tenants, store):
    a, _ = two_tenants
    payload = "客户档案 scan 001".encode() * 100
    with tenant_context(a):
        stored = store.put_stream("contracts/2026/c-001.pdf", ContentFile(payload),
                                  content_type="application/pdf", metadata={"uploader": "u1"})
        assert stored == {"key": f"{a.schema_name}/contracts/2026/c-001.pdf", "size": len(payload),
                          "sha256": hashlib.sha256(payload).hexdigest()}
        head = store.head("contracts/2026/c-001.pdf")
        assert head["ContentLength"] == len(payload)
        assert head["ContentType"] == "application/pdf"
        assert head["Metadata"] == {"uploader": "u1"}
        assert b"".join(store.iter_chunks("contracts/2026/c-001.pdf", chunk_size=1000)) == payload
    # The object really sits at <schema>/<key> in the shared bucket.
    assert _raw_body(store, f"{a.schema_name}/contracts/2026/c-001.pdf") == payload
    with tenant_context(a):
        store.delete("contracts/2026/c-001.pdf")
        assert store.head("contracts/2026/c-001.pdf") is None


def test_same_key_in_two_tenants_are_two_objects(two_tenants, store):
    a, b = two_tenants
    with tenant_context(a):
        store.put_stream("same.txt", ContentFile(b"from A"))
    with tenant_context(b):
        assert store.head("same.txt") is None
        store.put_stream("same.txt", ContentFile(b"from B"))
    with tenant_context(a):
        assert b"".join(store.iter_chunks("same.txt")) == b"from A"
    with tenant_context(b):
        assert b"".join(store.iter_chunks("same.txt")) == b"from B"


def test_iter_chunks_reads_the_tenant_it_was_called_in(two_tenants, store):
    # A view returns a streaming response inside the request and the server iterates it later:
    # the key must be fixed when the read is asked for, not when the first chunk is pulled.
    a, b = two_tenants
    with tenant_context(a):
        store.put_stream("report.txt", ContentFile(b"A's report"))
        chunks = store.iter_chunks("report.txt")
    with tenant_context(b):
        store.put_stream("report.txt", ContentFile(b"B's report"))
        assert b"".join(chunks) == b"A's report"


def test_multipart_upload_round_trips_with_the_right_sha256(two_tenants, store):
    a, _ = two_tenants
    size = 2 * CHUNK_SIZE + 123_457  # three parts, the last one short
    source = _RandomStream(size)
    with tenant_context(a):
        stored = store.put_stream("big/scan.tiff", source, content_type="image/tiff")
        assert source.remaining == 0
        assert stored["size"] == size
        assert stored["sha256"] == source.digest.hexdigest()
        head = store.head("big/scan.tiff")
        assert head["ContentLength"] == size
        downloaded = hashlib.sha256()
        received = 0
        for chunk in store.iter_chunks("big/scan.tiff"):
            assert len(chunk) <= CHUNK_SIZE
            downloaded.update(chunk)
            received += len(chunk)
    assert received == size
    assert downloaded.hexdigest() == source.digest.hexdigest()


@pytest.mark.parametrize("size", [0, 70_000, 3 * 1024 * 1024, 2 * 5 * 1024 * 1024 + 70_001])
def test_pushed_writer_stores_exact_bytes_holding_one_part_at_most(two_tenants, store, size):
    # Form uploads arrive in 64 KB pieces: empty, below one part (a single PUT), exactly
    # on, and across part boundaries (multipart, the last part short).
    a, _ = two_tenants
    part_size = 5 * 1024 * 1024
    payload = os.urandom(size)
    with tenant_context(a):
        writer = store.writer("pushed/scan.pdf", part_size=part_size)
        for start in range(0, size, 64 * 1024):
            writer.write(payload[start:start + 64 * 1024])
            # One part's buffer, whatever has gone through; parts already sent are not kept.
            assert writer.buffer is None or len(writer.buffer) == part_size
            assert writer.filled < part_size
        assert len(writer.parts) == size // part_size
        stored = writer.close()
        assert writer.buffer is None
        assert stored == {"key": f"{a.schema_name}/pushed/scan.pdf", "size": size,
                          "sha256": hashlib.sha256(payload).hexdigest()}
        assert b"".join(store.iter_chunks("pushed/scan.pdf")) == payload


def test_aborted_writer_leaves_no_object_and_no_buffer(two_tenants, store):
    a, _ = two_tenants
    with tenant_context(a):
        writer = store.writer("pushed/aborted.pdf", part_size=5 * 1024 * 1024)
        writer.write(os.urandom(6 * 1024 * 1024))  # one part sent, a multipart upload open
        assert writer.upload_id is not None
        writer.abort()
        assert writer.buffer is None
        assert store.head("pushed/aborted.pdf") is None
        assert [upload for upload in store.list_multipart_uploads("pushed/")
                if upload.get("UploadId") == writer.upload_id] == []


def test_presigned_get_downloads_over_plain_http_as_an_attachment(two_tenants, store):
    a, _ = two_tenants
    filename = "客户合同/2026 扫描件.pdf"
    with tenant_context(a):
        store.put_stream("files/42", ContentFile(b"%PDF-1.7 scanned"), content_type="application/pdf")
        url = store.presigned_get("files/42", filename=filename)
    assert url.startswith("http://")
    assert f"/{a.schema_name}/files/42?" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        body = response.read()
        disposition = response.headers["Content-Disposition"]
    assert body == b"%PDF-1.7 scanned"
    assert disposition.startswith("attachment;")
    # RFC 6266 / 5987: filename*=UTF-8''<percent-encoded>, with no raw "/" left in the value.
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert "/" not in encoded and " " not in encoded
    assert unquote(encoded) == filename


def test_presigned_get_of_a_tampered_url_is_refused(two_tenants, store):
    a, b = two_tenants
    with tenant_context(b):
        store.put_stream("secret.txt", ContentFile(b"B only"))
    with tenant_context(a):
        url = store.presigned_get("secret.txt")
    # Pointing A's signed link at B's object breaks the signature.
    forged = url.replace(f"/{a.schema_name}/", f"/{b.schema_name}/")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(forged, timeout=10)
    assert caught.value.code == 403


def test_presigned_put_uploads_over_plain_http(two_tenants, store):
    a, b = two_tenants
    payload = "扫描件内容".encode() * 1000
    with tenant_context(a):
        url = store.presigned_put("incoming/upload-1.pdf", content_type="application/pdf")
    request = urllib.request.Request(url, data=payload, method="PUT", headers={"Content-Type": "application/pdf"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    with tenant_context(a):
        head = store.head("incoming/upload-1.pdf")
        assert head["ContentLength"] == len(payload) and head["ContentType"] == "application/pdf"
        assert b"".join(store.iter_chunks("incoming/upload-1.pdf")) == payload
        assert store.object_size("incoming/upload-1.pdf") == len(payload)
        assert store.object_size("incoming/upload-2.pdf") is None
    with tenant_context(b):  # the same key in another company is another object
        assert store.object_size("incoming/upload-1.pdf") is None


@pytest.mark.parametrize("key", ["incoming/plain.pdf", "incoming/空 格~é+&=%.pdf"])
def test_presigned_put_is_the_url_the_client_signs(two_tenants, store, key):
    a, _ = two_tenants
    now = datetime.datetime(2026, 11, 28, 12, 0, 0)
    with tenant_context(a), mock.patch("botocore.auth.get_current_datetime", return_value=now):
        ours = store.presigned_put(key, content_type="application/pdf", expires=900)
        clients = store.client.generate_presigned_url("put_object", Params={
            "Bucket": store.bucket, "Key": store.tenant_key(key), "ContentType": "application/pdf"}, ExpiresIn=900)
    assert ours == clients


class _FlakyStorage(http.server.BaseHTTPRequestHandler):
    """An HTTP server answering HEADs from a script of statuses (the store's retries, which no real
    server can be made to need on cue)."""

    statuses: list[int] = []
    seen: list[tuple[str, str]] = []  # (path, Authorization) of each request

    def do_HEAD(self):  # noqa: N802 — http.server's name
        type(self).seen.append((self.path, self.headers.get("Authorization", "")))
        status = type(self).statuses.pop(0)
        self.send_response(status)
        self.send_header("Content-Length", "1234" if status == 200 else "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky_store(settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FlakyStorage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.S3_ENDPOINT_URL = f"http://127.0.0.1:{server.server_address[1]}"
    _FlakyStorage.seen = []
    yield ObjectStore()
    server.shutdown()


@pytest.mark.parametrize("statuses, expected", [([503, 500, 200], 1234), ([502, 404], None)])
def test_object_size_retries_server_errors(db, make_tenant, flaky_store, statuses, expected):
    _FlakyStorage.statuses = list(statuses)
    tenant = make_tenant()
    with tenant_context(tenant):
        assert flaky_store.object_size("quarantine/x") == expected
    assert len(_FlakyStorage.seen) == len(statuses)
    # Every attempt is signed (in headers; the short URL carries no query) for the tenant's key.
    for path, authorization in _FlakyStorage.seen:
        assert path == f"/{flaky_store.bucket}/{tenant_prefix(tenant.schema_name)}quarantine/x"
        assert authorization.startswith("AWS4-HMAC-SHA256 Credential=") and "Signature=" in authorization


def test_object_size_gives_up_after_three_attempts_and_refusals_at_once(db, make_tenant, flaky_store):
    _FlakyStorage.statuses = [503, 503, 503, 403]
    with tenant_context(make_tenant()):
        with pytest.raises(ClientError, match="503"):
            flaky_store.object_size("quarantine/x")
        with pytest.raises(ClientError, match="403"):
            flaky_store.object_size("quarantine/x")
    assert len(_FlakyStorage.seen) == 4


@pytest.mark.parametrize("key", ["../t_other/x", "a/../../t_other/x", "a/..", "..", "", "/"])
def test_unsafe_keys_are_refused(two_tenants, store, key):
    a, _ = two_tenants
    with tenant_context(a):
        with pytest.raises(ValueError):
            store.put_stream(key, ContentFile(b"x"))
        with pytest.raises(ValueError):
            store.presigned_get(key)
        with pytest.raises(ValueError):
            store.iter_chunks(key)


def test_using_the_store_without_a_tenant_is_refused(db, store):
    connection.set_schema_to_public()
    for call in (
        lambda: store.put_stream("x.txt", ContentFile(b"x")),
        lambda: store.iter_chunks("x.txt"),
        lambda: store.head("x.txt"),
        lambda: store.delete("x.txt"),
        lambda: store.presigned_get("x.txt"),
        lambda: store.presigned_put("x.txt"),
    ):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == "tenant_required"
    assert list(store.list_prefix("public/")) == []


def test_usage_and_delete_prefix_touch_only_one_tenant(two_tenants, store):
    a, b = two_tenants
    with tenant_context(a):
        store.put_stream("one.bin", ContentFile(b"1" * 100))
        store.put_stream("dir/two.bin", ContentFile(b"2" * 250))
    with tenant_context(b):
        store.put_stream("one.bin", ContentFile(b"b" * 7))
    assert store.usage(a.schema_name) == (2, 350)
    assert store.usage(b.schema_name) == (1, 7)

    assert store.delete_prefix(tenant_prefix(a.schema_name)) == 2
    assert store.usage(a.schema_name) == (0, 0)
    assert store.usage(b.schema_name) == (1, 7)
    with tenant_context(b):
        assert b"".join(store.iter_chunks("one.bin")) == b"b" * 7


@pytest.mark.parametrize("prefix", ["", "/", "public/", "t_a", "t_a/sub/", "t_a/sub"])
def test_delete_prefix_refuses_anything_but_one_tenant(store, prefix):
    with pytest.raises(ValueError):
        store.delete_prefix(prefix)


def test_purge_tenant_objects_task_removes_that_tenant_only(two_tenants, store):
    from dangan.tenants.tasks import purge_tenant_objects

    a, b = two_tenants
    with tenant_context(a):
        for index in range(3):
            store.put_stream(f"f{index}.txt", ContentFile(b"x"))
    with tenant_context(b):
        store.put_stream("keep.txt", ContentFile(b"keep"))
    connection.set_schema_to_public()  # the platform side, as after a tenant's deletion
    assert purge_tenant_objects(tenant_prefix(a.schema_name)) == 3
    assert store.usage(a.schema_name) == (0, 0)
    assert store.usage(b.schema_name) == (1, 4)
    assert purge_tenant_objects(tenant_prefix(a.schema_name)) == 0  # a retry finds nothing to do
    with pytest.raises(ValueError):
        purge_tenant_objects("public/")


def test_default_storage_saves_under_the_tenant_prefix(two_tenants, store):
    a, b = two_tenants
    with tenant_context(a):
        name = default_storage.save("avatars/logo.png", ContentFile(b"\x89PNG fake"))
        assert name == "avatars/logo.png"  # FileFields store tenant-relative names
        assert default_storage.exists(name)
        with default_storage.open(name) as handle:
            assert handle.read() == b"\x89PNG fake"
        url = default_storage.url(name)
        assert f"/{a.schema_name}/avatars/logo.png?" in url
        # file_overwrite=False: a second save gets a fresh name instead of replacing the first.
        second = default_storage.save("avatars/logo.png", ContentFile(b"other"))
        assert second != name and second.startswith("avatars/logo")
    assert _raw_body(store, f"{a.schema_name}/avatars/logo.png") == b"\x89PNG fake"
    with tenant_context(b):
        assert not default_storage.exists("avatars/logo.png")


@pytest.mark.parametrize("name", ["../{a}/avatars/logo.png", "x/../../{a}/avatars/logo.png", ".."])
def test_default_storage_cannot_reach_another_tenant(two_tenants, name):
    a, b = two_tenants
    with tenant_context(a):
        default_storage.save("avatars/logo.png", ContentFile(b"A's logo"))
    with tenant_context(b):
        target = name.format(a=a.schema_name)
        with pytest.raises(SuspiciousOperation):
            default_storage.open(target).read()
        with pytest.raises(SuspiciousOperation):
            default_storage.exists(target)
        with pytest.raises(SuspiciousOperation):
            default_storage.delete(target)
    with tenant_context(a):
        assert default_storage.exists("avatars/logo.png")


def test_default_storage_without_a_tenant_is_refused(db):
    connection.set_schema_to_public()
    with pytest.raises(ApplicationError) as caught:
        default_storage.save("x.txt", ContentFile(b"x"))
    assert caught.value.code == "tenant_required"
