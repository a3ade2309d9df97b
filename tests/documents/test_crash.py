"""Crash consistency with a real Celery worker process: killed (SIGKILL) in the middle of
processing a document, the version stays out of reach with its object intact; a new worker,
handed the work again by the reconciler, finishes it. Nothing points at a missing object and
no object is left without its row."""
from __future__ import annotations

import datetime as dt
import signal
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from tests.celery_worker import purge as _purge, running_worker
from tests.polling import wait_for

from .helpers import http_put, pdf_bytes, sha

pytestmark = pytest.mark.worker

WAIT = 90  # seconds; generous for a busy 2-core machine


@pytest.fixture
def company_with_customer(committed, signup_data):
    from dangan.accounts.models import User
    from dangan.archives.services.customers import customer_create
    from dangan.documents.storage import object_store, tenant_prefix
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data(company_name="崩溃测试公司"))
    with tenant_context(tenant):
        admin = User.objects.get(email=tenant.admin_email)
        customer = customer_create(actor=admin, category="jxs", name="崩溃测试客户", region="east", grade="A")
    _purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    yield tenant, admin, customer
    connection.set_schema_to_public()
    object_store().delete_prefix(tenant_prefix(tenant.schema_name))
    _purge(settings.CELERY_TASK_DEFAULT_QUEUE)


def test_worker_killed_mid_processing_then_reconciled(company_with_customer, tmp_path, store):
    from dangan.documents.models import DocumentVersion, UploadState
    from dangan.documents.services import uploads
    from dangan.documents.services.reconcile import reconcile

    tenant, admin, customer = company_with_customer
    data = pdf_bytes("crash test")
    with tenant_context(tenant):
        instructions = uploads.upload_start(actor=admin, customer=customer, filename="c.pdf", size=len(data),
                                            sha256=sha(data), document_fields={"document_type": "contract"})
        http_put(instructions.url, data, instructions.headers)
        pk = instructions.version.pk

        def version():
            return DocumentVersion.objects.get(pk=pk)

        # The first worker verifies and promotes, then sits in its processing step (the fault
        # injection pause) until it is killed there.
        with running_worker(tmp_path, node_prefix="doomed-",
                            env_extra={"DOCUMENTS_FAULT_PAUSE_SECONDS": "600"}) as doomed:
            process, log_path = doomed["process"], doomed["log"]
            uploads.upload_complete(actor=admin, version=instructions.version)  # commits; queues verify
            wait_for(lambda: version().upload_state == UploadState.VERIFIED and version().thumbnail_key == ""
                     and version().processing_started_at is not None, "processing to start",
                     timeout=WAIT, log_path=log_path)
            time.sleep(1.0)  # inside the pause: text and thumbnail done, availability not committed
            process.send_signal(signal.SIGKILL)
            process.wait(10)

        killed = version()
        assert killed.upload_state == UploadState.VERIFIED  # never half-available
        objects = {item["Key"] for item in store.list_tenant("")}
        assert killed.object_key in objects  # the row points at a real object
        assert killed.quarantine_key not in objects  # promoted: quarantine emptied after commit
        assert objects <= {killed.object_key, killed.object_key + ".thumb.png"}  # nothing else lying around

        # A new worker, and the reconciler finds the stalled version and hands it out again.
        with running_worker(tmp_path, node_prefix="rescuer-") as rescuer:
            log_path = rescuer["log"]
            report = reconcile(now=timezone.now() + dt.timedelta(hours=1))
            assert report["requeued"] == 1 and report["orphans_deleted"] == 0 and report["missing"] == 0
            wait_for(lambda: version().upload_state == UploadState.AVAILABLE, "the version to become available",
                     timeout=WAIT, log_path=log_path)
        done = version()
        assert done.processing_attempts == 2 and "crash test" in done.text
        objects = {item["Key"] for item in store.list_tenant("")}
        assert objects == {done.object_key, done.thumbnail_key}
        final = reconcile(now=timezone.now() + dt.timedelta(days=2))
        assert (final["orphans_deleted"], final["missing"], final["requeued"]) == (0, 0, 0)

