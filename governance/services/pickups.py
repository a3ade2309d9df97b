"""The contract pick-up register (合同领取登记, R6): a custodian records that a customer took a
contract original or copy, and how the customer signed for it — a captured signature image, or
their typed name and ID number checked against the ID number the file records."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid

from django.db import transaction
from django.utils import timezone

from dangan.accounts import roles
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import ContractPickup
from .audit import actor_snapshot, audit_record

# A phone photo of a signature, downscaled by any capture pad, is well under this.
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
# Pillow's format name → the content type the image is served with.
SIGNATURE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
SIGNATURE_PREFIX = "governance/pickups/"
# A pick-up may be registered after the fact, never before it happens (a clock a little ahead
# on the custodian's PC is not the customer's fault).
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_COPIES = 100
EXPORT_MAX_ROWS = 100_000
EXPORT_HEADERS = ["领取时间", "档案编号", "客户名称", "领取内容", "领取资料", "资料说明", "份数", "领取人", "签字方式",
                  "证件号", "经办人", "备注"]


def _require_custodian(actor) -> None:
    if not (actor.is_active and (roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN))):
        raise ApplicationError(errors.PICKUP_NOT_CUSTODIAN)


def mask_id_number(value: str) -> str:
    """110101********002X: enough to tell two people apart on a printed register, not enough to use."""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


def recorded_id_numbers(customer) -> dict[str, str]:
    """The ID numbers the file records: every ID-number field of its category (buyer, holder …)."""
    from dangan.archives.models import CustomFieldType

    keys = customer.category.fields.filter(field_type=CustomFieldType.CN_ID).values_list("key", flat=True)
    values = customer.custom_fields or {}
    return {key: str(values[key]).strip().upper() for key in keys if values.get(key)}


def _verify_id(customer, typed: str) -> str:
    """The key of the file's ID field the typed number matches; a clear error otherwise."""
    from dangan.archives.custom_fields import cn_id_is_valid

    number = (typed or "").strip().upper()
    if not cn_id_is_valid(number):
        raise ApplicationError(errors.PICKUP_ID_INVALID, field="signer_id_number")
    recorded = recorded_id_numbers(customer)
    if not recorded:
        raise ApplicationError(errors.PICKUP_ID_NOT_ON_FILE, field="signer_id_number")
    for key, value in recorded.items():
        if value == number:
            return key
    raise ApplicationError(errors.PICKUP_ID_MISMATCH, field="signer_id_number")


def _read_signature(upload) -> tuple[bytes, str]:
    """The image's bytes and content type, if it is a real PNG / JPEG / WebP within the limit.
    The type is what Pillow finds in the bytes, never the name or type the client sent."""
    from PIL import Image, UnidentifiedImageError

    data = upload.read(SIGNATURE_MAX_BYTES + 1)
    limit = SIGNATURE_MAX_BYTES // (1024 * 1024)
    if not data or len(data) > SIGNATURE_MAX_BYTES:
        raise ApplicationError(errors.PICKUP_SIGNATURE_INVALID, field="signature", max_mb=limit)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ApplicationError(errors.PICKUP_SIGNATURE_INVALID, field="signature", max_mb=limit) from None
    if kind not in SIGNATURE_FORMATS:
        raise ApplicationError(errors.PICKUP_SIGNATURE_INVALID, field="signature", max_mb=limit)
    return data, SIGNATURE_FORMATS[kind]


def pickup_record(*, actor, customer, taken: str, signer_name: str, picked_up_at: dt.datetime | None = None,
                  documents=(), description: str = "", copies: int = 1, signature=None,
                  signer_id_number: str = "", note: str = "") -> ContractPickup:
    """Register a pick-up (custodians). Exactly one signature: an image (`signature`, a file),
    or the typed name with an ID number that must match the file's recorded ID number.

    The image is stored before the row is written (the row must never name a missing object)
    and deleted again if the row cannot be written."""
    _require_custodian(actor)
    if taken not in ContractPickup.Taken.values:
        raise ApplicationError(errors.PICKUP_TAKEN_INVALID, field="taken")
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ApplicationError(errors.PICKUP_NAME_REQUIRED, field="signer_name")
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ApplicationError(errors.PICKUP_COPIES_INVALID, field="copies")
    now = timezone.now()
    picked_up_at = picked_up_at or now
    if timezone.is_naive(picked_up_at):  # typed on a form: the company's time zone
        picked_up_at = timezone.make_aware(picked_up_at)
    if picked_up_at > now + CLOCK_SKEW:
        raise ApplicationError(errors.PICKUP_TIME_INVALID, field="picked_up_at")
    documents = list(documents or [])
    if any(document.customer_id != customer.pk for document in documents):
        raise ApplicationError(errors.DOCUMENT_NOT_OF_FILE, field="documents")
    typed = (signer_id_number or "").strip()
    if (signature is None) == (not typed):  # neither, or both
        raise ApplicationError(errors.PICKUP_SIGNATURE_REQUIRED, field="signature")

    pickup = ContractPickup(customer=customer, taken=taken, description=(description or "").strip()[:300],
                            copies=copies, picked_up_at=picked_up_at, signer_name=signer_name[:100],
                            handled_by=actor, handled_by_snapshot=actor_snapshot(actor), note=(note or "").strip()[:300])
    stored_key = None
    if typed:
        pickup.signature_method = ContractPickup.SignatureMethod.TYPED
        pickup.signer_id_field = _verify_id(customer, typed)
        pickup.signer_id_masked = mask_id_number(typed.upper())
    else:
        from dangan.documents.storage import object_store

        data, content_type = _read_signature(signature)
        extension = content_type.split("/")[1].replace("jpeg", "jpg")
        stored_key = f"{SIGNATURE_PREFIX}{customer.pk}/{uuid.uuid4().hex}.{extension}"
        object_store().put_bytes(stored_key, data, content_type=content_type)
        pickup.signature_method = ContractPickup.SignatureMethod.IMAGE
        pickup.signature_key, pickup.signature_content_type = stored_key, content_type
        pickup.signature_sha256, pickup.signature_size = hashlib.sha256(data).hexdigest(), len(data)
    try:
        with transaction.atomic():
            pickup.save()
            pickup.documents.set(documents)
            audit_record(actor=actor, action="pickup.record", obj=pickup,
                         summary={"archive_number": customer.archive_number, "taken": taken,
                                  "documents": [document.pk for document in documents], "copies": copies,
                                  "signature": pickup.signature_method, "signature_sha256": pickup.signature_sha256,
                                  "id_field": pickup.signer_id_field})
    except BaseException:
        if stored_key:
            from dangan.documents.storage import object_store

            object_store().delete(stored_key)
        raise
    return pickup


def pickup_signature(*, actor, pickup: ContractPickup):
    """The signature image (readers of the register), its reading recorded in the query log.
    Returns (chunks, content type)."""
    from dangan.documents.storage import object_store

    from ..models import AccessRecord
    from ..selectors import require_pickup_reader
    from .access import access_record

    require_pickup_reader(actor)
    if not pickup.signature_key:
        return None, None
    chunks = object_store().iter_chunks(pickup.signature_key)
    access_record(actor=actor, action=AccessRecord.Action.VIEW, obj=pickup, customer_ids=[pickup.customer_id],
                  query={"signature": True})
    return chunks, pickup.signature_content_type


def pickup_export(*, actor, filters: dict | None = None):
    """The register as .xlsx (custodians, auditors), spooled to disk past 8 MB; the export is
    recorded in the query log. Returns (file, rows)."""
    import tempfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from ..models import AccessRecord
    from ..selectors import pickup_list
    from .access import access_record

    pickups = pickup_list(user=actor, filters=filters)
    total = pickups.count()
    if total > EXPORT_MAX_ROWS:
        raise ApplicationError(errors.EXPORT_TOO_LARGE, limit=EXPORT_MAX_ROWS, count=total)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("合同领取登记")
    sheet.append(EXPORT_HEADERS)

    def text(value) -> WriteOnlyCell:
        # Kept as text: a name typed as "=HYPERLINK(…)" must never become a formula.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value or "")))
        cell.data_type = "s"
        return cell

    taken = dict(ContractPickup.Taken.choices)
    methods = dict(ContractPickup.SignatureMethod.choices)
    customer_ids = []
    for pickup in pickups.order_by("picked_up_at", "id"):
        customer_ids.append(pickup.customer_id)
        sheet.append([
            timezone.localtime(pickup.picked_up_at).replace(tzinfo=None), text(pickup.customer.archive_number),
            text(pickup.customer.name), text(taken.get(pickup.taken, pickup.taken)),
            text("、".join(document.title for document in pickup.documents.all())), text(pickup.description),
            pickup.copies, text(pickup.signer_name), text(methods.get(pickup.signature_method, "")),
            text(pickup.signer_id_masked), text(pickup.handled_by_snapshot.get("name", "")), text(pickup.note)])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    access_record(actor=actor, action=AccessRecord.Action.EXPORT, obj=("governance.contractpickup", None),
                  customer_ids=customer_ids, query={k: str(v) for k, v in (filters or {}).items()}, result_count=total)
    return spool, total
