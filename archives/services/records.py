"""What hangs off a file (R2): sales ledger, vouchers with their three copies, communications,
service records, complaints and satisfaction surveys."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangan.accounts import roles
from dangan.governance import masking
from dangan.governance.services.audit import audit_record
from dangan.governance.services.retention import retention_recompute
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import (
    CommunicationRecord, Complaint, Customer, SalesLedgerEntry, SalesVoucher, SatisfactionSurvey, ServiceRecord,
    VoucherCopy,
)
from ._common import supervises

LEDGER_FIELDS = [
    "sale_date", "buyer_name", "buyer_contact", "voucher_number", "page", "manufacturer", "shipping_batch",
    "sales_department", "salesperson", "sales_type", "item_number", "product_name", "packaging", "specification",
    "quantity", "cartons", "product_batch", "shelf_life_months", "expiry_date", "note",
]


def _may_write(actor, customer: Customer) -> None:
    if not (actor.pk == customer.owner_id or roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN)
            or supervises(actor, customer.owner)):
        raise ApplicationError(errors.FORBIDDEN)


def _audit(actor, action: str, obj, customer: Customer, **summary) -> None:
    """One audit event naming the record and its file; contents stay out of the chain."""
    audit_record(actor=actor, action=action, obj=obj,
                 summary={"customer": customer.pk, "archive_number": customer.archive_number, **summary})


def _full_clean(instance, exclude=None) -> None:
    """Model validation, reported in the one error shape with zh and en messages."""
    from django.utils import translation

    try:
        instance.full_clean(exclude=exclude)
        return
    except ValidationError:
        pass
    messages: dict[str, dict[str, str]] = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            try:
                instance.full_clean(exclude=exclude)
            except ValidationError as exc:
                for field, items in exc.message_dict.items():
                    messages.setdefault(field, {})[lang] = " ".join(items)
    raise ApplicationError(platform_errors.VALIDATION_FAILED, fields={
        field: [{"code": "invalid", "message": {"zh-hans": m.get("zh-hans", ""), "en": m.get("en", "")}}]
        for field, m in messages.items()})


def _touch_activity(customer: Customer) -> None:
    latest = customer.ledger_entries.aggregate(latest=Max("sale_date"))["latest"]
    Customer.objects.filter(pk=customer.pk).update(last_activity_on=latest)
    # Shelf lives and the last sale count towards how long the file is kept (R7).
    retention_recompute(customer=customer)


def _clean_ledger_data(data: dict) -> dict:
    unknown = set(data) - set(LEDGER_FIELDS)
    if unknown:
        raise ApplicationError(errors.FIELD_INVALID, field=sorted(unknown)[0], zh="未知字段。", en="Unknown field.")
    cleaned = {}
    for name, value in data.items():
        field = SalesLedgerEntry._meta.get_field(name)
        if value is None and field.get_internal_type() in ("CharField", "TextField"):
            value = ""
        cleaned[name] = value.strip() if isinstance(value, str) else value
    return cleaned


@transaction.atomic
def ledger_entry_create(*, actor, customer: Customer, **data) -> SalesLedgerEntry:
    _may_write(actor, customer)
    entry = SalesLedgerEntry(customer=customer, created_by=actor, **_clean_ledger_data(data))
    _full_clean(entry, exclude=["customer", "created_by"])
    entry.save()
    _touch_activity(customer)
    _audit(actor, "ledger.create", entry, customer)
    return entry


@transaction.atomic
def ledger_entry_update(*, actor, entry: SalesLedgerEntry, **data) -> SalesLedgerEntry:
    entry = SalesLedgerEntry.objects.select_for_update().get(pk=entry.pk)
    _may_write(actor, entry.customer)
    for name, value in _clean_ledger_data(data).items():
        if name == "buyer_contact":  # a value the client was shown masked keeps the real one
            value = masking.keep_masked(value, entry.buyer_contact, masking.PHONE)
        setattr(entry, name, value)
    _full_clean(entry, exclude=["customer", "created_by"])
    entry.save()
    _touch_activity(entry.customer)
    _audit(actor, "ledger.update", entry, entry.customer, fields=sorted(data))
    return entry


@transaction.atomic
def ledger_entry_delete(*, actor, entry: SalesLedgerEntry) -> None:
    customer = entry.customer
    _may_write(actor, customer)
    _audit(actor, "ledger.delete", entry, customer)
    entry.delete()
    _touch_activity(customer)


@transaction.atomic
def voucher_create(*, actor, customer: Customer, number: str, issued_on, amount=None,
                   ledger_entry: SalesLedgerEntry | None = None) -> SalesVoucher:
    """A voucher always has its three copies (存根联, 发票联, 随货同行联); the documents app
    attaches the scans, and a missing copy is flagged until then."""
    _may_write(actor, customer)
    if ledger_entry is not None and ledger_entry.customer_id != customer.pk:
        raise ApplicationError(errors.FIELD_INVALID, field="ledger_entry", zh="台帐记录不属于该客户。",
                               en="The ledger entry belongs to another customer.")
    voucher = SalesVoucher(customer=customer, number=(number or "").strip(), issued_on=issued_on, amount=amount,
                           ledger_entry=ledger_entry, created_by=actor)
    _full_clean(voucher, exclude=["customer", "created_by", "ledger_entry"])
    voucher.save()
    VoucherCopy.objects.bulk_create([VoucherCopy(voucher=voucher, kind=kind) for kind in VoucherCopy.Kind.values])
    _audit(actor, "voucher.create", voucher, customer, number=voucher.number)
    return voucher


@transaction.atomic
def voucher_copy_mark(*, actor, copy: VoucherCopy, received: bool, note: str = "") -> VoucherCopy:
    _may_write(actor, copy.voucher.customer)
    copy.received, copy.note = received, note[:200]
    copy.save(update_fields=["received", "note"])
    _audit(actor, "voucher_copy.mark", copy, copy.voucher.customer, kind=copy.kind, received=copy.received)
    return copy


@transaction.atomic
def communication_create(*, actor, customer: Customer, summary: str, occurred_at=None, **data) -> CommunicationRecord:
    _may_write(actor, customer)
    record = CommunicationRecord(customer=customer, recorded_by=actor, summary=(summary or "").strip(),
                                 occurred_at=occurred_at or timezone.now(), **data)
    _full_clean(record, exclude=["customer", "recorded_by"])
    record.save()
    _audit(actor, "communication.create", record, customer)
    return record


@transaction.atomic
def service_record_create(*, actor, customer: Customer, **data) -> ServiceRecord:
    _may_write(actor, customer)
    record = ServiceRecord(customer=customer, recorded_by=actor, **data)
    _full_clean(record, exclude=["customer", "recorded_by"])
    record.save()
    _audit(actor, "service_record.create", record, customer)
    return record


@transaction.atomic
def complaint_create(*, actor, customer: Customer, subject: str, description: str, received_at=None,
                     handler=None) -> Complaint:
    _may_write(actor, customer)
    complaint = Complaint(customer=customer, subject=(subject or "").strip(), description=(description or "").strip(),
                          received_at=received_at or timezone.now(), handler=handler, recorded_by=actor)
    _full_clean(complaint, exclude=["customer", "recorded_by", "handler"])
    complaint.save()
    _audit(actor, "complaint.create", complaint, customer)
    return complaint


@transaction.atomic
def complaint_transition(*, actor, complaint: Complaint, to: str, resolution: str = "", handler=None) -> Complaint:
    """received → handling → resolved → closed (a resolved complaint may be reopened). Moved by
    those who may write to the file, or by the person handling the complaint."""
    complaint = Complaint.objects.select_for_update().select_related("customer__owner").get(pk=complaint.pk)
    if actor.pk != complaint.handler_id:
        _may_write(actor, complaint.customer)
    if to not in Complaint.TRANSITIONS.get(complaint.state, set()):
        raise ApplicationError(errors.COMPLAINT_TRANSITION, src=complaint.get_state_display(),
                               dst=dict(Complaint.State.choices).get(to, to))
    now = timezone.now()
    if to == Complaint.State.HANDLING:
        complaint.handler = handler or complaint.handler or actor
    if to == Complaint.State.RESOLVED:
        if not (resolution or "").strip():
            raise ApplicationError(errors.RESOLUTION_REQUIRED, field="resolution")
        complaint.resolution, complaint.resolved_at = resolution.strip(), now
    if to == Complaint.State.CLOSED:
        complaint.closed_at = now
    previous = complaint.state
    complaint.state = to
    complaint.save()
    _audit(actor, "complaint.transition", complaint, complaint.customer, state_from=previous, state_to=to)
    return complaint


@transaction.atomic
def survey_create(*, actor, customer: Customer, surveyed_on, score: int, comment: str = "") -> SatisfactionSurvey:
    _may_write(actor, customer)
    survey = SatisfactionSurvey(customer=customer, surveyed_on=surveyed_on, score=score, comment=comment or "",
                                recorded_by=actor)
    _full_clean(survey, exclude=["customer", "recorded_by"])
    survey.save()
    _audit(actor, "survey.create", survey, customer)
    return survey
