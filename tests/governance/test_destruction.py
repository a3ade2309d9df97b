"""Destruction (R7): on final approval a task destroys the files — database rows, search
vector, stored objects — and leaves a destruction record with a PDF certificate; the archive
number is never reused; the event is in the audit chain."""
import datetime as dt
import hashlib
import io

import pytest
from django.db import connection

from dangan.accounts import roles
from dangan.archives.models import Customer, NumberSequence
from dangan.archives.services import records
from dangan.governance.models import AuditEvent, DestructionRecord, DispositionBatch
from dangan.governance.services import disposition
from dangan.governance.verification import verify_chain

MARKERS = ("销毁测试药店", "13912340000", "marker-contact@destroy.cn", "BATCH-DESTROY-7", "独一无二的地址")


def _rows_mentioning(text: str) -> dict[str, int]:
    """Every table of the company's schema, every column (row cast to text), in this transaction."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s', [f"%{text}%"])
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def _document_with_objects(company, customer) -> list[str]:
    """A document of the file with a version, a thumbnail and a preview page in storage."""
    from django.apps import apps

    from dangan.documents.storage import object_store

    Document, Version = apps.get_model("documents", "Document"), apps.get_model("documents", "DocumentVersion")
    DocumentType = apps.get_model("documents", "DocumentType")
    kind, _ = DocumentType.objects.get_or_create(code="gov-test", defaults={"name": "测试资料"})
    document = Document.objects.create(customer=customer, document_type=kind, title="营业执照",
                                       created_by=company.owner)
    body = b"%PDF-1.4 scanned licence"
    version = Version.objects.create(document=document, number=1, object_key=f"docs/{document.pk}/v1/abc",
                                     thumbnail_key=f"docs/{document.pk}/v1/thumb.png",
                                     sha256=hashlib.sha256(body).hexdigest(), uploaded_by=company.owner)
    keys = [version.object_key, version.thumbnail_key, f"docs/{document.pk}/v1/pages/1.png"]
    for key in keys:
        object_store().put_stream(key, io.BytesIO(body))
    return keys


@pytest.fixture
def approved_chain(company, person):
    office = person("office@x.cn", "办公室甲", roles.OFFICE)
    manager = person("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER)

    def approve(batch):
        batch = disposition.disposition_batch_submit(actor=company.custodian, batch=batch)
        batch = disposition.disposition_batch_approve(actor=company.supervisor, batch=batch, step=0)
        batch = disposition.disposition_batch_approve(actor=office, batch=batch, step=1)
        return disposition.disposition_batch_approve(actor=manager, batch=batch, step=2)

    return approve


def test_nothing_of_a_destroyed_file_remains(company, filed_customer, approved_chain, eager_tasks,
                                             django_capture_on_commit_callbacks):
    from dangan.documents.storage import object_store, tenant_prefix

    customer = filed_customer(years_ago=6, name=MARKERS[0], address=MARKERS[4],
                              contacts=[{"name": "联系人", "phone": MARKERS[1], "email": MARKERS[2]}])
    records.ledger_entry_create(actor=company.owner, customer=customer, sale_date="2019-01-02",
                                product_name="阿莫西林", quantity="1", product_batch=MARKERS[3])
    records.voucher_create(actor=company.owner, customer=customer, number="XS-D-1", issued_on="2019-01-02")
    records.complaint_create(actor=company.owner, customer=customer, subject="破损", description=MARKERS[0])
    keys = _document_with_objects(company, customer)
    Customer.objects.filter(pk=customer.pk).update(retain_until="2020-01-01")  # long expired
    number, pk = customer.archive_number, customer.pk
    sequences_before = dict(NumberSequence.objects.values_list("scope", "last_value"))
    for marker in MARKERS:
        assert _rows_mentioning(marker), f"{marker} must be there before (the check is not vacuous)"
    store, prefix = object_store(), tenant_prefix(company.tenant.schema_name)
    assert {prefix + key for key in keys} <= {item["Key"] for item in store.list_prefix(prefix)}

    disposition.disposition_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        approved_chain(DispositionBatch.objects.get())  # the final approval queues the task

    batch = DispositionBatch.objects.get()
    assert batch.stage == "destroyed" and batch.items.get().outcome == "destroyed"
    for marker in MARKERS:
        assert _rows_mentioning(marker) == {}, marker
    assert not Customer.objects.filter(pk=pk).exists()
    with connection.cursor() as cursor:  # the search vector went with the row
        cursor.execute("SELECT count(*) FROM archives_customer WHERE search_vector @@ '销毁'::tsquery")
        assert cursor.fetchone()[0] == 0
    remaining = {item["Key"] for item in store.list_prefix(prefix)}
    assert not {prefix + key for key in keys} & remaining

    record = DestructionRecord.objects.get()
    assert (record.archive_number, record.customer_pk, record.category["code"]) == (number, pk, "jxs")
    assert [a["role"] for a in record.approvals] == [roles.SUPERVISOR, roles.OFFICE, roles.GENERAL_MANAGER]
    assert {item.get("key") for item in record.object_hashes} >= {keys[0], keys[1]}
    assert record.retention_rule["rule_name"].startswith("默认") and record.dates["retain_until"] == "2020-01-01"
    pdf = b"".join(store.iter_chunks(record.certificate_key))
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == record.certificate_sha256
    assert "STSong-Light".encode() in pdf

    event = AuditEvent.objects.get(action="customer.destroy")
    assert event.summary["archive_number"] == number and event.object_id == str(pk)
    assert verify_chain(check_storage=False)["ok"]
    # Numbers are never handed out again: the counters did not move back.
    assert dict(NumberSequence.objects.values_list("scope", "last_value")) == sequences_before
    from dangan.archives.services.customers import customer_create

    newcomer = customer_create(actor=company.owner, category="jxs", name="新客户", region="east")
    assert newcomer.archive_number != number and newcomer.archive_number > number


def test_a_hold_set_after_approval_still_stops_destruction(company, filed_customer, approved_chain):
    from dangan.governance.models import DispositionItem, LegalHold

    customer = filed_customer(years_ago=6)
    disposition.disposition_sweep()
    batch = approved_chain(DispositionBatch.objects.get())  # approved; the task has not run yet

    hold = LegalHold.objects.create(customer=customer, reason="紧急保全", set_by={"name": "x"})
    from dangan.governance.services.destruction import disposition_batch_execute

    result = disposition_batch_execute(batch_id=batch.pk)
    assert result["excluded"] == 1 and result["destroyed"] == 0
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert DispositionItem.objects.get(batch=batch).note == "法律保全"
    assert disposition_batch_execute(batch_id=batch.pk)["skipped"] == "destroyed"  # a redelivered message
    assert hold.customer_id == customer.pk


def test_object_lock_is_feature_detected(company):
    from dangan.governance import stored_objects

    stored_objects._bucket_supports_object_lock.cache_clear()
    assert stored_objects.object_lock_supported() is False  # the embedded server: NotImplemented
    assert stored_objects.lock_until(["docs/1/v1/x"], dt.date(2030, 1, 1)) == 0


def test_object_lock_is_used_where_the_bucket_supports_it(company, monkeypatch):
    from botocore.stub import Stubber

    from dangan.documents.storage import object_store
    from dangan.governance import stored_objects

    store = object_store()
    stored_objects._bucket_supports_object_lock.cache_clear()
    with Stubber(store.client) as stub:
        stub.add_response("head_bucket", {}, {"Bucket": store.bucket})
        stub.add_response("get_object_lock_configuration",
                          {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}, {"Bucket": store.bucket})
        stub.add_response("put_object_retention", {}, {
            "Bucket": store.bucket, "Key": f"{company.tenant.schema_name}/docs/1/v1/x",
            "Retention": {"Mode": "GOVERNANCE",
                          "RetainUntilDate": dt.datetime(2030, 1, 2, tzinfo=dt.timezone.utc)}})
        monkeypatch.setattr(store, "_bucket_checked", False)
        assert stored_objects.object_lock_supported() is True
        assert stored_objects.lock_until(["docs/1/v1/x"], dt.date(2030, 1, 1)) == 1
        stub.assert_no_pending_responses()
    stored_objects._bucket_supports_object_lock.cache_clear()


def test_a_file_whose_paper_is_out_on_loan_is_not_destroyed(company, filed_customer, approved_chain):
    from django.utils import timezone

    from dangan.governance.models import DispositionItem, Loan
    from dangan.governance.services.destruction import disposition_batch_execute

    customer = filed_customer(years_ago=6)
    disposition.disposition_sweep()
    batch = approved_chain(DispositionBatch.objects.get())
    # Lent since approval (written directly: the lending flow itself is tests/governance/test_borrowing.py's).
    Loan.objects.create(customer=customer, archive_number=customer.archive_number, medium=Loan.Medium.PAPER,
                        purpose="核对", due_date=timezone.localdate(), state=Loan.State.LENT,
                        borrower=company.owner, borrower_snapshot={"name": company.owner.full_name})

    result = disposition_batch_execute(batch_id=batch.pk)
    assert result["excluded"] == 1 and result["destroyed"] == 0
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert DispositionItem.objects.get(batch=batch).note == "纸质原件借出未还"
