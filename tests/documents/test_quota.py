"""The storage quota against its usage counter: reserved by uploads, given back by rejections
and deletions, recounted by the reconciler — and parallel uploads that cannot overshoot."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from dangan.documents.models import DocumentVersion, StorageUsage, UploadState
from dangan.documents.services import quota, uploads
from dangan.documents.services.deletion import document_delete
from dangan.documents.services.reconcile import reconcile
from dangan.platform.errors import ApplicationError

from .helpers import http_put, pdf_bytes, sha

MB = 1024 * 1024


@pytest.fixture
def customer(docs, new_customer):
    return new_customer()


def start(docs, customer, data: bytes, **fields):
    return uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=len(data),
                                sha256=sha(data), document_fields={"document_type": "contract", **fields})


def counter() -> int:
    return StorageUsage.objects.get(pk=1).used_bytes


def test_the_counter_follows_uploads_rejections_and_deletions(docs, customer, run_tasks):
    good, bad = pdf_bytes("good"), pdf_bytes("bad")
    kept = start(docs, customer, good)
    refused = start(docs, customer, bad)
    assert counter() == len(good) + len(bad)  # pending uploads reserve their declared size
    http_put(kept.url, good, kept.headers)
    http_put(refused.url, good[:len(bad)].ljust(len(bad), b"0"), refused.headers)  # the wrong bytes
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=kept.version)
        uploads.upload_complete(actor=docs.owner, version=refused.version)
    refused.version.refresh_from_db()
    assert refused.version.rejection_code == "checksum_mismatch"
    assert counter() == len(good)  # the rejection gave its reservation back
    with run_tasks():
        document_delete(actor=docs.custodian, document=kept.version.document, reason="重复")
    assert counter() == 0
    assert quota.usage_recount() == (0, 0)


def test_the_counter_starts_from_the_rows_and_the_reconciler_corrects_drift(docs, customer):
    first = start(docs, customer, b"%PDF-" + b"1" * 1000)
    StorageUsage.objects.all().delete()  # a company from before the counter
    assert quota.storage_used() == 1005  # read from the rows meanwhile
    start(docs, customer, b"%PDF-" + b"2" * 2000)
    assert counter() == 1005 + 2005  # counted from the rows, then the new reservation
    StorageUsage.objects.filter(pk=1).update(used_bytes=123)  # drift (a file destroyed elsewhere)
    report = reconcile()
    assert (report["usage_bytes_before"], report["usage_bytes"]) == (123, 3010) and counter() == 3010
    assert first.version.declared_size == 1005


def test_the_quota_error_says_what_is_used_and_keeps_nothing(docs, customer, store):
    from dangan.tenants.models import Plan

    tiny = Plan.objects.create(code="tiny-quota", name="tiny", max_users=5, max_storage_mb=1, max_api_calls_per_day=100)
    connection.tenant.__class__.objects.filter(pk=connection.tenant.pk).update(plan=tiny)
    start(docs, customer, b"%PDF-" + b"x" * (MB // 2))
    with pytest.raises(ApplicationError) as caught:
        start(docs, customer, b"%PDF-" + b"y" * (MB // 2))
    error = caught.value
    assert (error.code, error.status) == ("storage_quota_exceeded", 413)
    assert "0.5 MB" in error.message()["zh-hans"] and "1 MB" in error.message()["en"]
    assert DocumentVersion.objects.count() == 1 and counter() == MB // 2 + 5


def test_parallel_uploads_cannot_overshoot_the_quota(committed, signup_data):
    """Eight uploads of 300 KB race for a 1 MB quota: exactly three fit, and the counter says so."""
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User
    from dangan.archives.models import Department
    from dangan.archives.services.customers import customer_create
    from dangan.tenants.models import Plan
    from dangan.tenants.services import tenant_signup

    plan = Plan.objects.create(code="race-quota", name="race", max_users=5, max_storage_mb=1,
                               max_api_calls_per_day=1000)
    tenant = tenant_signup(**signup_data(), plan=plan)
    with schema_context(tenant.schema_name):
        admin = User.objects.get(email=tenant.admin_email)
        customer = customer_create(actor=admin, category="jxs", name="并发药店", region="east", grade="A",
                                   department=Department.objects.get(code="sales1").pk)
    size = 300 * 1024
    barrier = threading.Barrier(8)
    accepted, refused, failures = [], [], []

    def upload(index: int) -> None:
        try:
            with schema_context(tenant.schema_name):
                barrier.wait()
                try:
                    instructions = uploads.upload_start(
                        actor=admin, customer=customer, filename=f"{index}.pdf", size=size, sha256=f"{index:064x}",
                        document_fields={"document_type": "contract"})
                    accepted.append(instructions.version.pk)
                except ApplicationError as exc:
                    refused.append(exc.code)
        except Exception as exc:  # every failure must show in the assertion below
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(accepted) == 3 and refused == ["storage_quota_exceeded"] * 5
    with schema_context(tenant.schema_name):
        assert counter() == 3 * size
        assert DocumentVersion.objects.filter(upload_state=UploadState.PENDING).count() == 3
        assert quota.usage_recount() == (3 * size, 3 * size)
    connection.set_schema_to_public()
