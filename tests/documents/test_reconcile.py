"""The reconciler against the real bucket: orphans removed only after the grace period, missing
objects flagged (and unflagged), abandoned uploads expired — including the web process dying
between presign and complete, or before its transaction committed — and never another tenant's
objects touched."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from dangan.documents.models import DocumentVersion, UploadState
from dangan.documents.services import downloads, uploads
from dangan.documents.services.reconcile import reconcile
from dangan.platform.errors import ApplicationError

from .helpers import http_put, pdf_bytes, sha

LATER = dt.timedelta(hours=25)  # past the default 24 h grace period


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def keys(store) -> set[str]:
    return {item["Key"] for item in store.list_tenant("")}


def available_version(docs, customer, run_tasks, data=None) -> DocumentVersion:
    data = data or pdf_bytes()
    instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=len(data),
                                        sha256=sha(data), document_fields={"document_type": "contract"})
    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    return DocumentVersion.objects.get(pk=instructions.version.pk)


def test_orphans_are_removed_after_the_grace_period_only(docs, customer, store, run_tasks):
    version = available_version(docs, customer, run_tasks)
    pending = uploads.upload_start(actor=docs.owner, document=version.document, filename="b.pdf", size=3,
                                   sha256="a" * 64)
    http_put(pending.url, b"abc", pending.headers)  # in flight: its object is claimed
    store.put_stream("quarantine/0123456789abcdef", ContentFile(b"no row"))
    store.put_stream("docs/999999/v1/nobody", ContentFile(b"no row either"))
    claimed = {version.object_key, version.thumbnail_key, pending.version.quarantine_key}

    report = reconcile()
    assert (report["orphans"], report["orphans_deleted"]) == (0, 0)  # too young to judge
    assert keys(store) == claimed | {"quarantine/0123456789abcdef", "docs/999999/v1/nobody"}

    dry = reconcile(now=timezone.now() + dt.timedelta(minutes=5), grace=dt.timedelta(0), dry_run=True)
    assert dry["orphans"] == 2 and dry["orphans_deleted"] == 0 and len(keys(store)) == 5

    report = reconcile(now=timezone.now() + LATER, stalled=dt.timedelta(days=365))
    assert sorted(report["orphan_keys"]) == ["docs/999999/v1/nobody", "quarantine/0123456789abcdef"]
    assert report["orphans_deleted"] == 2
    assert claimed <= keys(store)


def test_missing_objects_are_flagged_and_refused_then_unflagged_when_restored(docs, customer, store, run_tasks):
    version = available_version(docs, customer, run_tasks)
    data = b"".join(store.iter_chunks(version.object_key))
    store.delete(version.object_key)  # lost behind our back (a bad restore, an operator's mistake)
    report = reconcile()
    assert report["missing_versions"] == [version.pk]
    version.refresh_from_db()
    assert version.object_missing_at is not None
    with pytest.raises(ApplicationError) as caught:
        downloads.download_issue(actor=docs.owner, version=version)
    assert caught.value.code == "document_not_available"

    store.put_stream(version.object_key, ContentFile(data))
    assert reconcile()["missing_restored"] == 1
    version.refresh_from_db()
    assert version.object_missing_at is None
    assert downloads.download_issue(actor=docs.owner, version=version).url


def test_web_process_dying_between_presign_and_complete(docs, customer, store, run_tasks):
    """The client uploaded, the web process never saw complete: the pending version expires
    and its quarantine object goes with it."""
    data = pdf_bytes()
    instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=len(data),
                                        sha256=sha(data), document_fields={"document_type": "contract"})
    http_put(instructions.url, data, instructions.headers)
    assert reconcile()["expired_uploads"] == 0  # its URLs are still valid
    with run_tasks():  # the deletes run on commit
        report = reconcile(now=instructions.expires_at + dt.timedelta(minutes=1))
    assert report["expired_uploads"] == 1
    version = DocumentVersion.objects.get(pk=instructions.version.pk)
    assert (version.upload_state, version.rejection_code) == (UploadState.REJECTED, "upload_expired")
    assert keys(store) == set()


def test_web_process_dying_before_its_commit_leaves_an_orphan_the_reconciler_removes(docs, customer, store):
    data = pdf_bytes()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf",
                                                size=len(data), sha256=sha(data),
                                                document_fields={"document_type": "contract"})
            raise RuntimeError("the web process died before its commit")
    assert DocumentVersion.objects.count() == 0
    http_put(instructions.url, data, instructions.headers)  # the client had its URL already
    assert keys(store) == {instructions.version.quarantine_key}
    assert reconcile()["orphans_deleted"] == 0
    report = reconcile(now=timezone.now() + LATER)
    assert report["orphan_keys"] == [instructions.version.quarantine_key] and keys(store) == set()


@override_settings(DOCUMENTS_MULTIPART_THRESHOLD_MB=5, DOCUMENTS_MULTIPART_PART_MB=5)
def test_abandoned_multipart_uploads_are_aborted(docs, customer, store):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf",
                                                size=6 * 1024 * 1024, sha256="a" * 64,
                                                document_fields={"document_type": "contract"})
            raise RuntimeError("died")
    http_put(instructions.parts[0]["url"], b"x" * (5 * 1024 * 1024))
    open_uploads = list(store.list_multipart_uploads("quarantine/"))
    assert [u["Key"] for u in open_uploads] == [instructions.version.quarantine_key]
    report = reconcile(now=timezone.now() + LATER)
    assert report["multipart_aborted"] == len(open_uploads)
    assert list(store.list_multipart_uploads("quarantine/")) == []


def test_stalled_work_is_queued_again(docs, customer, store, run_tasks):
    data = pdf_bytes()
    instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=len(data),
                                        sha256=sha(data), document_fields={"document_type": "contract"})
    http_put(instructions.url, data, instructions.headers)
    uploads.upload_complete(actor=docs.owner, version=instructions.version)  # its task message is lost
    version = DocumentVersion.objects.get(pk=instructions.version.pk)
    assert version.upload_state == UploadState.UPLOADED
    with run_tasks():
        report = reconcile(now=timezone.now() + dt.timedelta(hours=1))
    assert report["requeued"] == 1
    version.refresh_from_db()
    assert version.upload_state == UploadState.AVAILABLE


def test_reconciling_one_tenant_never_touches_another(docs, make_tenant, store):
    a = docs.tenant
    connection.set_schema_to_public()
    b = make_tenant(company_name="另一家")
    with tenant_context(a):
        store.put_stream("quarantine/a-orphan", ContentFile(b"A"))
    with tenant_context(b):
        report = reconcile(now=timezone.now() + LATER)
        assert report["objects"] == 0 and report["orphans_deleted"] == 0
    with tenant_context(a):
        assert keys(store) == {"quarantine/a-orphan"}


def test_management_command_reports_as_json(docs, store):
    store.put_stream("quarantine/old", ContentFile(b"x"))
    schema = docs.tenant.schema_name
    connection.set_schema_to_public()
    out = io.StringIO()
    call_command("reconcile_documents", "--schema", schema, "--grace-hours", "0", "--dry-run", stdout=out)
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report["schema"] == schema and report["orphans"] == 1 and report["dry_run"] is True
    with tenant_context(docs.tenant):
        assert keys(store) == {"quarantine/old"}
    call_command("reconcile_documents", "--schema", schema, "--grace-hours", "0", stdout=io.StringIO())
    with tenant_context(docs.tenant):
        assert keys(store) == set()
