"""Destruction (销毁) of an approved list, run by a task: per file, in one transaction, the
file's stored objects are listed and hashed into its destruction record, its rows are deleted
(customer, contacts, ledger, vouchers, interactions, history, documents, search vector), a PDF
certificate is stored, the event enters the audit chain; the objects themselves are deleted
after commit. Archive numbers are never reused: the numbering counters only grow."""
from __future__ import annotations

import hashlib
import io

from django.db import connection, transaction
from django.utils import timezone

from dangan.platform.logging import get_logger

from ..models import DestructionRecord, DispositionApproval, DispositionBatch, DispositionItem, LegalHold, Loan
from .audit import audit_record

log = get_logger(__name__)
CERTIFICATE_PREFIX = "governance/destruction/"
EXECUTOR = {"id": None, "name": "系统销毁任务", "email": "", "via": "governance.destroy_batch", "roles": []}


def _content_digest(customer) -> str:
    """SHA-256 of the file's rows as they were: proves what was destroyed without keeping it."""
    from django.core import serializers

    rows = [customer, *customer.contacts.all(), *customer.ledger_entries.all(), *customer.vouchers.all(),
            *customer.communications.all(), *customer.service_records.all(), *customer.complaints.all(),
            *customer.surveys.all(), *customer.history.all()]
    return hashlib.sha256(serializers.serialize("json", rows).encode()).hexdigest()


def _iso(value):
    if value is None:
        return None
    return timezone.localtime(value).date().isoformat() if hasattr(value, "hour") else value.isoformat()


def _purge_objects(schema: str, objects: list[dict]) -> None:
    from dangan.documents.storage import object_store

    store = object_store()
    for item in objects:
        if "prefix" in item:
            for found in store.list_prefix(store.key_for(schema, item["prefix"])):
                store.client.delete_object(Bucket=store.bucket, Key=found["Key"])
        else:
            store.client.delete_object(Bucket=store.bucket, Key=store.key_for(schema, item["key"]))


def _store_certificate(key: str, data: bytes) -> None:
    from dangan.documents.storage import object_store

    object_store().put_stream(key, io.BytesIO(data), content_type="application/pdf")


@transaction.atomic
def _destroy_item(batch: DispositionBatch, item: DispositionItem, approvals: list[dict]) -> str:
    from dangan.archives.models import Customer

    from ..certificates import destruction_certificate
    from ..stored_objects import customer_objects

    customer = (Customer.objects.select_for_update().select_related("category")
                .filter(pk=item.customer_id).first()) if item.customer_id else None
    today = timezone.localdate()
    # Checked again at execution: a hold set or a retention extended since approval wins.
    if customer is None:
        note = "档案已不存在"
    elif LegalHold.objects.filter(customer=customer, released_at__isnull=True).exists():
        note = "法律保全"
    elif customer.retain_until is None or customer.retain_until >= today:
        note = "保管期限已延长"
    elif Loan.objects.filter(customer=customer, medium=Loan.Medium.PAPER, state__in=Loan.OPEN_STATES).exists():
        # The paper original is out on loan: destroying the record would leave it unaccounted for.
        note = "纸质原件借出未还"
    else:
        note = ""
    if note:
        DispositionItem.objects.filter(pk=item.pk).update(outcome=DispositionItem.Outcome.EXCLUDED, note=note)
        return "excluded"
    objects = customer_objects(customer.pk)
    record = {
        "archive_number": customer.archive_number,
        "category": {"code": customer.category.code, "name": customer.category.name},
        "dates": {"created": _iso(customer.created_at), "filed": _iso(customer.filed_at),
                  "archived": _iso(customer.archived_at), "last_activity": _iso(customer.last_activity_on),
                  "retain_until": _iso(customer.retain_until)},
        "retention_rule": customer.retention_basis or {},
        "content_sha256": _content_digest(customer),
        "object_hashes": objects,
        "approvals": approvals,
        "executor": EXECUTOR,
        "executed_at": timezone.localtime().isoformat(timespec="seconds"),
    }
    schema = connection.schema_name
    certificate = destruction_certificate(company=getattr(connection.tenant, "name", schema),
                                          batch_number=batch.number, record=record)
    key = f"{CERTIFICATE_PREFIX}{batch.number}/{customer.archive_number.replace('/', '_')}.pdf"
    pk = customer.pk
    customer.delete()  # cascades: contacts, ledger, vouchers, interactions, history, documents …
    saved = DestructionRecord.objects.create(
        batch=batch, customer_pk=pk, archive_number=record["archive_number"], category=record["category"],
        dates=record["dates"], retention_rule=record["retention_rule"], content_sha256=record["content_sha256"],
        object_hashes=objects, approvals=approvals, executor=EXECUTOR, executed_at=timezone.now(),
        certificate_key=key, certificate_sha256=hashlib.sha256(certificate).hexdigest())
    DispositionItem.objects.filter(pk=item.pk).update(outcome=DispositionItem.Outcome.DESTROYED)
    audit_record(actor=None, action="customer.destroy", obj=("archives.customer", pk),
                 summary={"archive_number": record["archive_number"], "batch": batch.number,
                          "destruction_record": saved.pk, "content_sha256": record["content_sha256"],
                          "objects": len(objects), "certificate_sha256": saved.certificate_sha256})
    # Storage after commit: rolled-back rows must not lose their objects. The certificate first.
    transaction.on_commit(lambda: (_store_certificate(key, certificate), _purge_objects(schema, objects)))
    return "destroyed"


def disposition_batch_execute(*, batch_id: int) -> dict:
    """Destroy the files of an approved list, each in its own transaction (a crash resumes with
    the files still listed). Redelivered messages find nothing left to do."""
    with transaction.atomic():
        batch = DispositionBatch.objects.select_for_update().get(pk=batch_id)
        if batch.stage not in (DispositionBatch.Stage.APPROVED, DispositionBatch.Stage.DESTROYING):
            return {"batch": batch.number, "skipped": batch.stage}
        batch.stage = DispositionBatch.Stage.DESTROYING
        batch.save(update_fields=["stage"])
    approvals = [{"step": a.step, "role": a.role, "approver": a.approver_snapshot,
                  "at": timezone.localtime(a.at).isoformat(timespec="seconds")}
                 for a in DispositionApproval.objects.filter(batch=batch, round=batch.round,
                                                              decision=DispositionApproval.Decision.APPROVE)
                 .order_by("step")]
    outcomes = {"destroyed": 0, "excluded": 0}
    for item in list(batch.items.filter(outcome=DispositionItem.Outcome.LISTED)):
        outcomes[_destroy_item(batch, item, approvals)] += 1
    with transaction.atomic():
        DispositionBatch.objects.filter(pk=batch.pk).update(stage=DispositionBatch.Stage.DESTROYED,
                                                            destroyed_at=timezone.now())
        audit_record(actor=None, action="disposition.destroyed", obj=batch, summary=outcomes)
    log.info("disposition_executed", batch=batch.number, **outcomes)
    return {"batch": batch.number, **outcomes}


def certificate_bytes(*, record: DestructionRecord) -> bytes:
    from dangan.documents.storage import object_store

    return b"".join(object_store().iter_chunks(record.certificate_key))
