"""Reads on documents, always through the customers the user may see
(archives.selectors.customers_visible_to): a document of an invisible file does not exist."""
from __future__ import annotations

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from dangan.archives.models import SalesVoucher, VoucherCopy
from dangan.archives.selectors import customers_visible_to, sees_every_customer

from .models import (
    Checklist, ChecklistItem, Document, DocumentType, DocumentVersion, DownloadRecord, PhysicalLocation, UploadState,
)
from .search import tsquery_for

# current_version__uploaded_by: every list row shows who uploaded its current version (one query
# per row without it: 20 of the 25 queries a search page made).
DOCUMENT_RELATED = ("customer", "document_type", "current_version", "current_version__uploaded_by", "created_by",
                    "physical_location")
# Never shown in lists or details, and large: a version's text can run to 200,000 characters.
DOCUMENT_DEFERRED = ("search_vector", "current_version__text")


def _visible(queryset: QuerySet, user, path: str = "customer") -> QuerySet:
    from dangan.archives.selectors import customers_in_scope
    from dangan.governance.selectors import document_content_q, file_content_q

    # Confidentiality (密级) first: for documents and their versions the document's own level
    # counts too; for other rows (vouchers) only their file's.
    if queryset.model in (Document, DocumentVersion):
        queryset = queryset.filter(document_content_q(user, "" if queryset.model is Document else "document__"))
    else:
        queryset = queryset.filter(file_content_q(user, f"{path}__"))
    if sees_every_customer(user):  # `IN (every customer)` only costs the planner a semi-join
        return queryset
    return queryset.filter(**{f"{path}__in": customers_in_scope(user)})


def documents_visible_to(user) -> QuerySet[Document]:
    # A deleted document is gone for every reader (its row stays for the audit trail).
    return _visible(Document.objects.filter(deleted_at__isnull=True), user)


def document_list(*, user, customer_id: int | None = None, filters: dict | None = None) -> QuerySet[Document]:
    filters = filters or {}
    documents = documents_visible_to(user).select_related(*DOCUMENT_RELATED).defer(*DOCUMENT_DEFERRED)
    if customer_id is not None:
        documents = documents.filter(customer_id=customer_id)
    for name in ("document_type", "ledger_entry", "voucher_copy", "checklist_item", "state"):
        if filters.get(name) not in (None, ""):
            documents = documents.filter(**{name: filters[name]})
    return documents


def document_detail(*, user, pk: int) -> Document | None:
    return (documents_visible_to(user).select_related(*DOCUMENT_RELATED).defer(*DOCUMENT_DEFERRED)
            .prefetch_related(Prefetch("versions", queryset=DocumentVersion.objects.select_related("uploaded_by")
                                       .defer("text").order_by("-number")))
            .filter(pk=pk).first())


def version_detail(*, user, pk: int) -> DocumentVersion | None:
    return _visible(DocumentVersion.objects.select_related("document", "document__customer", "uploaded_by"),
                    user, "document__customer").defer("text").filter(pk=pk, document__deleted_at__isnull=True).first()


def version_visible(*, user, pk: int) -> DocumentVersion | None:
    """The same rule as version_detail, for callers that go on to lock and load the row
    themselves (completing or abandoning an upload): a row holding the id only. The rule's SQL
    is compiled once per viewer (documents/visibility.py)."""
    from .visibility import version_visible as visible

    return DocumentVersion(pk=pk) if visible(user=user, pk=pk) else None


def document_search(*, user, q: str, customer_id: int | None = None) -> QuerySet[Document]:
    """Documents whose text, title or type hold every word of `q`, newest first."""
    query = tsquery_for(q)
    documents = document_list(user=user, customer_id=customer_id)
    if not query:
        return documents.none()
    # The tokens were stored literally (array_to_tsvector), so the query is cast, not parsed.
    return documents.filter(ExpressionWrapper(
        RawSQL("documents_document.search_vector @@ %s::tsquery", [query]), output_field=BooleanField()))


def download_records(*, document: Document) -> QuerySet[DownloadRecord]:
    return document.downloads.select_related("user", "version").order_by("-at", "-id")


def document_types(*, include_inactive: bool = False) -> QuerySet[DocumentType]:
    types = DocumentType.objects.all()
    return types if include_inactive else types.filter(is_active=True)


def checklists_of(*, category_id: int | None = None) -> QuerySet[Checklist]:
    checklists = Checklist.objects.select_related("category").prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.select_related("document_type").order_by("sort", "pk")))
    return checklists.filter(category_id=category_id) if category_id else checklists


def location_tree() -> list[PhysicalLocation]:
    """Every location, parents before children (one query; the tree is small)."""
    return list(PhysicalLocation.objects.order_by("code"))


def vouchers_missing_scans(*, user) -> QuerySet[SalesVoucher]:
    """Vouchers (with their ledger entry) of which some of the three copies — stub, invoice,
    goods-accompanying — has no available scanned document: flagged for the custodian."""
    scanned = Document.objects.filter(voucher_copy=OuterRef("pk"), state=Document.State.AVAILABLE)
    copies = VoucherCopy.objects.annotate(scanned=Exists(scanned)).order_by("kind")
    vouchers = _visible(SalesVoucher.objects.all(), user).annotate(scanned_copies=Count(
        "copies__kind", filter=Q(copies__documents__state=Document.State.AVAILABLE), distinct=True,
    )).filter(scanned_copies__lt=len(VoucherCopy.Kind.values))
    return vouchers.select_related("customer", "ledger_entry").prefetch_related(
        Prefetch("copies", queryset=copies)).order_by("-issued_on", "-id")


def missing_kinds(voucher: SalesVoucher) -> list[str]:
    """The copies of a voucher (from vouchers_missing_scans) with no scan, by kind."""
    scanned = {copy.kind for copy in voucher.copies.all() if copy.scanned}
    return [kind for kind in VoucherCopy.Kind.values if kind not in scanned]


def pending_versions() -> QuerySet[DocumentVersion]:
    return DocumentVersion.objects.filter(upload_state__in=[UploadState.PENDING, UploadState.UPLOADED,
                                                            UploadState.VERIFIED])
