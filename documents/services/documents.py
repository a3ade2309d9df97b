"""Documents and their types: the metadata side (no bytes move here)."""
from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from dangan.archives.models import Customer, SalesLedgerEntry, VoucherCopy
from dangan.governance.services.audit import audit_record
from dangan.platform.db import insert_instance, instance_where, tsvector_literal
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import ChecklistItem, Document, DocumentType, OriginalOrCopy, PhysicalLocation
from ..search import light_tokens_for, tokens_for
from ._common import clean, require_configurer, require_writer

_UNSET = object()


# --- document types ------------------------------------------------------------------------------

def document_type_for(value, *, field: str = "document_type") -> DocumentType:
    """A type by instance, id or code (active ones only); an id wins over a code spelled the same."""
    if isinstance(value, DocumentType):
        return value
    text = str(value or "").strip()
    found = (_active_type("id", int(text)) if text.isascii() and text.isdigit() else None) \
        or _active_type("code", text)
    if found is None:
        raise ApplicationError(errors.DOCUMENT_TYPE_UNKNOWN, field=field, value=text)
    return found


def _active_type(column: str, value) -> DocumentType | None:
    """`DocumentType.objects.filter(is_active=True, <column>=value).first()` as one prepared
    SELECT: every upload names its type, and building that query through the ORM took ~0.43 ms
    of CPU, against ~0.12 ms (codes and ids are unique: no ordering needed)."""
    if column == "id" and value > 2**63 - 1:
        return None  # past bigint: no such row (and PostgreSQL would refuse the parameter)
    return instance_where(DocumentType, column, value, flag="is_active")


@transaction.atomic
def document_type_create(*, actor, code: str, name: str, description: str = "",
                         default_original_or_copy: str = OriginalOrCopy.COPY, sort: int = 0) -> DocumentType:
    require_configurer(actor)
    if DocumentType.objects.filter(code=code).exists():
        raise ApplicationError(errors.DOCUMENT_TYPE_TAKEN, field="code", code=code)
    doc_type = DocumentType(code=code, name=name, description=description,
                            default_original_or_copy=default_original_or_copy, sort=sort)
    clean(doc_type)
    try:
        with transaction.atomic():
            doc_type.save()
    except IntegrityError:
        raise ApplicationError(errors.DOCUMENT_TYPE_TAKEN, field="code", code=code) from None
    audit_record(actor=actor, action="document_type.create", obj=doc_type,
                 summary={"code": doc_type.code, "name": doc_type.name})
    return doc_type


@transaction.atomic
def document_type_update(*, actor, document_type: DocumentType, **changes) -> DocumentType:
    """Codes are immutable (checklists and integrations name types by code); the rest may change,
    and deactivating keeps existing documents of the type."""
    require_configurer(actor)
    for name in ("name", "description", "default_original_or_copy", "sort", "is_active"):
        if name in changes:
            setattr(document_type, name, changes[name])
    clean(document_type)
    document_type.save()
    audit_record(actor=actor, action="document_type.update", obj=document_type,
                 summary={"code": document_type.code, "fields": sorted(k for k in changes if k in (
                     "name", "description", "default_original_or_copy", "sort", "is_active"))})
    return document_type


# --- documents -----------------------------------------------------------------------------------

def _check_links(customer: Customer, *, ledger_entry=None, voucher_copy=None, checklist_item=None) -> None:
    if ledger_entry is not None and ledger_entry.customer_id != customer.pk:
        raise ApplicationError(errors.LINK_INVALID, field="ledger_entry", what="销售台帐", what_en="ledger entry")
    if voucher_copy is not None and voucher_copy.voucher.customer_id != customer.pk:
        raise ApplicationError(errors.LINK_INVALID, field="voucher_copy", what="凭证联次", what_en="voucher copy")
    if checklist_item is not None and checklist_item.checklist.category_id != customer.category_id:
        raise ApplicationError(errors.LINK_INVALID, field="checklist_item", what="清单项",
                               what_en="checklist item (of another category)")


def resolve_links(*, ledger_entry=None, voucher_copy=None, checklist_item=None, physical_location=None) -> dict:
    """Ids from the API to rows (or None); unknown ids are refused like foreign ones."""
    def get(model, pk, field, **related):
        if pk in (None, ""):
            return None
        if isinstance(pk, model):
            return pk
        found = model.objects.select_related(*related.get("related", ())).filter(pk=pk).first()
        if found is None:
            raise ApplicationError(errors.LINK_INVALID, field=field, what=field, what_en=field)
        return found

    return {
        "ledger_entry": get(SalesLedgerEntry, ledger_entry, "ledger_entry"),
        "voucher_copy": get(VoucherCopy, voucher_copy, "voucher_copy", related=("voucher",)),
        "checklist_item": get(ChecklistItem, checklist_item, "checklist_item", related=("checklist",)),
        "physical_location": get(PhysicalLocation, physical_location, "physical_location"),
    }


_HELD_RELATIONS = ["customer", "document_type", "created_by", "ledger_entry", "voucher_copy", "checklist_item",
                   "physical_location"]


def document_create(*, actor, customer: Customer, document_type, title: str = "",
                    original_or_copy: str | None = None, copies: int = 1, ledger_entry=None, voucher_copy=None,
                    checklist_item=None, physical_location=None) -> Document:
    """A document of a customer file, with no file yet (uploads add versions), in a transaction
    of its own or a savepoint of the caller's (a caller may go on after a refusal)."""
    with transaction.atomic():
        return document_create_within(
            actor=actor, customer=customer, document_type=document_type, title=title,
            original_or_copy=original_or_copy, copies=copies, ledger_entry=ledger_entry, voucher_copy=voucher_copy,
            checklist_item=checklist_item, physical_location=physical_location)


def document_create_within(*, actor, customer: Customer, document_type, title: str = "",
                           original_or_copy: str | None = None, copies: int = 1, ledger_entry=None,
                           voucher_copy=None, checklist_item=None, physical_location=None) -> Document:
    """document_create inside the caller's transaction, with no savepoint (two statements on
    every upload): for callers that never go on after it refuses (the upload services), since a
    refusal here leaves that transaction unusable."""
    if not connection.in_atomic_block:
        raise RuntimeError("document_create_within runs inside a transaction (atomic block)")
    require_writer(actor)
    doc_type = document_type_for(document_type)
    _check_links(customer, ledger_entry=ledger_entry, voucher_copy=voucher_copy, checklist_item=checklist_item)
    document = Document(
        customer=customer, document_type=doc_type, title=(title or "").strip() or doc_type.name,
        original_or_copy=original_or_copy or doc_type.default_original_or_copy, copies=copies,
        ledger_entry=ledger_entry, voucher_copy=voucher_copy, checklist_item=checklist_item,
        physical_location=physical_location, created_by=actor)
    # The related rows are instances found above: validating that they exist again would
    # cost a query each on every upload.
    clean(document, exclude=["current_version", *_HELD_RELATIONS])
    # Title and type only, without jieba (see index_title), written by the INSERT itself (as a
    # tsvector literal: lexemes verbatim, as array_to_tsvector makes them); the version's
    # processing on the worker writes the full vector. Every upload of a new document comes
    # here: the INSERT's SQL is built once (platform/db.py).
    document.search_vector = tsvector_literal(light_tokens_for(document.title, document.document_type.name))
    insert_instance(document)
    # The instance holds no value for it any more (it held the title's literal): like a deferred
    # field, a later save() of this instance leaves the column alone, and the worker's full
    # vector with it.
    del document.search_vector
    if physical_location is not None:
        from .checklists import completeness_refresh

        completeness_refresh(customer)
    return document


@transaction.atomic
def document_update(*, actor, document: Document, **changes) -> Document:
    """Metadata only; the files themselves are immutable versions."""
    require_writer(actor)
    document = Document.objects.select_for_update(of=("self",)).select_related("customer").get(pk=document.pk)
    if document.deleted_at is not None:
        raise ApplicationError(errors.DOCUMENT_DELETED)
    if "document_type" in changes:
        document.document_type = document_type_for(changes.pop("document_type"))
    for name in ("title", "original_or_copy", "copies", "ledger_entry", "voucher_copy", "checklist_item",
                 "physical_location"):
        if name in changes:
            setattr(document, name, changes[name])
    document.title = (document.title or "").strip() or document.document_type.name
    _check_links(document.customer, ledger_entry=document.ledger_entry, voucher_copy=document.voucher_copy,
                 checklist_item=document.checklist_item)
    clean(document, exclude=["current_version"])
    document.save()
    # The new title is findable at once (its tokens added to the vector, without jieba); the
    # documents.refresh_search task recomputes the whole vector on the worker.
    index_title(document, add=True)
    queue_search_refresh(document)
    from .checklists import completeness_refresh

    completeness_refresh(document.customer)
    return document


def index_title(document: Document, *, add: bool = False) -> None:
    """Title and type tokens of the web process (search.light_tokens_for: no jieba, whose
    dictionary would cost every web worker ~30 MB from its first upload on): the vector becomes
    these, or gains them (`add`), until refresh_search on the worker writes the full one."""
    tokens = light_tokens_for(document.title, document.document_type.name)
    vector = "coalesce(search_vector, ''::tsvector) || array_to_tsvector(%s::text[])" if add \
        else "array_to_tsvector(%s::text[])"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE documents_document SET search_vector = {vector} WHERE id = %s", [tokens, document.pk])


def queue_search_refresh(document: Document) -> None:
    from ..tasks import refresh_document_search

    pk = document.pk
    transaction.on_commit(lambda: refresh_document_search.delay(pk))


@transaction.atomic
def search_refresh(document_id: int) -> Document | None:
    """The documents.refresh_search task: the full vector of a document (None if it is gone or
    deleted). The row is locked first and its version read afterwards, so a version made
    available meanwhile (which writes its own vector under the same lock) is never overwritten
    by an older text."""
    document = Document.objects.select_for_update().defer("search_vector") \
        .filter(pk=document_id, deleted_at__isnull=True).first()
    if document is not None:
        refresh_search(document)
    return document


def refresh_search(document: Document, text: str | None = None) -> None:
    """The document's search vector from its title, type and current text (jieba: called on the
    worker — the processing pipeline and the refresh task; search_index does it in bulk)."""
    if text is None:
        text = document.current_version.text if document.current_version_id else ""
    tokens = tokens_for(document.title, document.document_type.name, text)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET search_vector = array_to_tsvector(%s::text[]) WHERE id = %s",
                       [tokens, document.pk])
