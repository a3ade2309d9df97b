"""Documents on the customer page: uploads (new documents and new versions), their processing
status polled live, previews, version history, downloads, and the required-document checklist.

Two ways in, chosen by the page's script per file:
- Direct (settings.DANGAN_WEB_DIRECT_UPLOAD, up to the multipart threshold): the browser hashes
  the file, asks `document_upload_start` / `document_version_upload_start` for a presigned PUT
  (the API's `upload_start`), sends the bytes straight to object storage with its progress bar,
  then calls `version_upload_complete` (the API's `upload_complete`). The web process never sees
  a byte; the page's CSP allows XHRs to the storage endpoint's origin (platform/settings/web.py)
  and the bucket answers CORS for the company hosts (deploy/s3-cors.json).
- Proxied (direct upload off, larger files, no WebCrypto-free hashing, storage without CORS): one
  XHR per file to this host, which streams it part by part to a quarantine key
  (documents/upload_handlers.py): nothing is held in memory or written to the web server's disk.
Either way the documents services then verify, scan, read and preview the file on the worker,
exactly as for the API's uploads.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dangan.archives import selectors as archive_selectors
from dangan.documents import errors as document_errors
from dangan.documents import selectors
from dangan.documents.models import Document, UploadSource, UploadState
from dangan.documents.services import checklists, downloads, uploads
from dangan.documents.services._common import MB, current_limits, require_writer
from dangan.documents.storage import object_store
from dangan.documents.upload_handlers import FIELD, StreamedFile, StreamingUploadHandler
from dangan.governance.services.access import document_access_record
from dangan.platform.errors import ApplicationError

from ...common import flash_error, found, is_htmx, localized
from ..upload_forms import DirectFileForm, DirectUploadForm, DocumentUploadForm, completed_parts

DOCUMENT_LIMIT = 100  # newest documents on the page; the API pages through all of them
# Versions in these states are still moving: their row asks again until they settle.
IN_PROGRESS = (UploadState.PENDING, UploadState.UPLOADED, UploadState.VERIFIED)
POLL_SECONDS = 2
# Why a version was refused (DocumentVersion.rejection_code), in the reader's words.
REJECTIONS = {
    document_errors.FILE_TYPE_REJECTED.code: (document_errors.FILE_TYPE_REJECTED, "mime"),
    document_errors.CHECKSUM_MISMATCH.code: (document_errors.CHECKSUM_MISMATCH, None),
    document_errors.SIZE_MISMATCH.code: (document_errors.SIZE_MISMATCH, None),
    document_errors.VIRUS_FOUND.code: (document_errors.VIRUS_FOUND, "signature"),
    document_errors.SCAN_LIMIT.code: (document_errors.SCAN_LIMIT, None),
    document_errors.UPLOAD_OBJECT_MISSING.code: (document_errors.UPLOAD_OBJECT_MISSING, None),
    document_errors.UPLOAD_EXPIRED.code: (document_errors.UPLOAD_EXPIRED, None),
    document_errors.PROMOTE_FAILED.code: (document_errors.PROMOTE_FAILED, None),
}


def visible_customer(request, pk: int):
    """The file if this person may see it; 404 otherwise (a refusal would confirm it exists)."""
    return found(archive_selectors.customers_visible_to(request.user).select_related("category", "owner")
                 .filter(pk=pk).first())


def latest_version(document: Document):
    versions = list(document.versions.all())  # prefetched, newest first
    return versions[0] if versions else None


def rejection_text(version) -> str:
    error, param = REJECTIONS.get(version.rejection_code, (None, None))
    if error is None:
        return version.rejection_code or _("已拒收")
    detail = {param: version.rejection_detail} if param else {}
    if error is document_errors.SIZE_MISMATCH and " != " in version.rejection_detail:
        actual, declared = version.rejection_detail.split(" != ", 1)
        detail = {"actual": actual, "declared": declared}
    return localized(error.message(**detail))


def _requires_approval(record) -> bool:
    level = record.confidentiality  # none: the company's default, open
    return bool(level and level.requires_approval)


def document_row_context(document: Document, *, can_upload: bool = False) -> dict:
    version = latest_version(document)
    return {
        "document": document, "version": version,
        "history": list(document.versions.all())[1:],  # earlier versions stay readable
        # 密级: no unwatermarked preview or download of any version
        "classified": _requires_approval(document) or _requires_approval(document.customer),
        "can_upload": can_upload and document.deleted_at is None,
        "direct_upload": settings.DANGAN_WEB_DIRECT_UPLOAD,
        "direct_max_bytes": direct_max_bytes(),
        "in_progress": version is not None and version.upload_state in IN_PROGRESS,
        "rejection": rejection_text(version) if version is not None and version.upload_state == UploadState.REJECTED
        else "",
        "poll_seconds": POLL_SECONDS,
    }


def _documents(request, customer) -> list[Document]:
    from django.db.models import Prefetch

    from dangan.documents.models import DocumentVersion

    versions = DocumentVersion.objects.select_related("uploaded_by").defer("text").order_by("-number")
    return list(selectors.document_list(user=request.user, customer_id=customer.pk)
                .prefetch_related(Prefetch("versions", queryset=versions))[:DOCUMENT_LIMIT])


def completeness_context(customer) -> dict:
    result = checklists.completeness(customer)
    return {"completeness": result, "checklist_rows": result.items}


def documents_context(request, customer) -> dict:
    """What the documents card of the customer page shows (detail.py merges it in)."""
    limits = current_limits()
    can_upload = _may_upload(request.user)
    return {
        "documents": [document_row_context(document, can_upload=can_upload)
                      for document in _documents(request, customer)],
        "document_limit": DOCUMENT_LIMIT,
        "upload_form": DocumentUploadForm(),
        "can_upload": can_upload,
        "direct_upload": settings.DANGAN_WEB_DIRECT_UPLOAD,
        "direct_max_bytes": direct_max_bytes(),
        "max_file_mb": limits.max_file_bytes // MB,
        **completeness_context(customer),
    }


def direct_max_bytes() -> int:
    """The largest file the page sends straight to storage: larger ones would go multipart, and
    the browser hashes a whole file in memory (WebCrypto has no streaming digest), so they go
    through this host instead, streamed."""
    return settings.DOCUMENTS_MULTIPART_THRESHOLD_MB * MB


def _may_upload(user) -> bool:
    try:
        require_writer(user)
    except ApplicationError:
        return False
    return True


def customer_url(customer) -> str:
    return reverse("archives:customer-detail", args=[customer.pk])


# --- the upload itself ---------------------------------------------------------------------------

def _never_called(request):  # CsrfViewMiddleware wants a get_response; only process_view is used
    raise AssertionError("unreachable")


@csrf_exempt  # checked below, once the streaming handler is in place (the check reads the body)
@login_required
@require_POST
def document_upload(request, pk: int):
    """One file (form field `file`, sent after the document's fields) as a new document of the
    customer file. XHR callers get the document's row (201) or the refusal (4xx) as HTML; a plain
    form post is redirected back to the page with a message."""
    customer = visible_customer(request, pk)  # 404 before a byte of the body is read
    return _proxied_upload(request, customer=customer, document=None)


@csrf_exempt  # checked in _proxied_upload, as above
@login_required
@require_POST
def document_version_upload(request, pk: int):
    """One file (field `file`) as the next version of a document; earlier versions stay."""
    document = found(selectors.document_detail(user=request.user, pk=pk))
    return _proxied_upload(request, customer=document.customer, document=document)


def _proxied_upload(request, *, customer, document: Document | None):
    handler = StreamingUploadHandler(request, max_bytes=current_limits().max_file_bytes)
    request.upload_handlers = [handler]
    try:
        require_writer(request.user)
        # Django's CSRF check reads request.POST, which streams the file through the handler;
        # a refused request's object is deleted again right away.
        refused = CsrfViewMiddleware(_never_called).process_view(request, None, (), {})
        if refused is not None:
            handler.discard()
            return refused
        upload = request.FILES.get(FIELD)
        if not isinstance(upload, StreamedFile):
            raise ApplicationError(document_errors.FILE_MISSING, field=FIELD)
        if document is None:
            form = DocumentUploadForm(request.POST)
            if not form.is_valid():
                handler.discard()
                return _refused(request, customer, form.error_text(), status=400)
            target = {"customer": customer, "document_fields": form.document_fields()}
        else:
            target = {"document": document}
        version = uploads.proxied_upload_finish(
            actor=request.user, stored=upload.stored, filename=upload.name, mime_hint=upload.mime_hint,
            source=UploadSource.WEB, **target)
    except ApplicationError as exc:
        handler.discard()
        return _refused(request, customer, exc.localized(), status=exc.status)
    except BaseException:
        handler.discard()
        raise
    if not is_htmx(request):
        messages.success(request, _("文件已上传，正在校验和处理。"))
        return redirect(f"{customer_url(customer)}#documents")
    return _row_response(request, version.document_id, status=201 if document is None else 200)


def _row_response(request, document_id: int, *, status: int = 200):
    document = found(selectors.document_detail(user=request.user, pk=document_id))
    row = document_row_context(document, can_upload=_may_upload(request.user))
    return render(request, "archives/customer/documents/_document_row.html", {"row": row}, status=status)


def _refused(request, customer, text: str, *, status: int):
    if not is_htmx(request):
        messages.error(request, text)
        return redirect(f"{customer_url(customer)}#documents")
    return render(request, "archives/customer/documents/_upload_refused.html", {"text": text}, status=status)


# --- direct uploads: presigned PUT from the browser, then complete ------------------------------

@login_required
@require_POST
def document_upload_start(request, pk: int):
    """A new document of the file awaiting its bytes: where the browser PUTs them (JSON)."""
    customer = visible_customer(request, pk)
    form = DirectUploadForm(request.POST)
    if not form.is_valid():
        return _refused(request, customer, form.error_text(), status=400)
    try:
        instructions = uploads.upload_start(actor=request.user, customer=customer, source=UploadSource.WEB,
                                            document_fields=form.document_fields(), **form.file_fields())
    except ApplicationError as exc:
        return _refused(request, customer, exc.localized(), status=exc.status)
    return _upload_target(instructions, status=201)


@login_required
@require_POST
def document_version_upload_start(request, pk: int):
    """The next version of a document awaiting its bytes (JSON, as above)."""
    document = found(selectors.document_detail(user=request.user, pk=pk))
    form = DirectFileForm(request.POST)
    if not form.is_valid():
        return _refused(request, document.customer, form.error_text(), status=400)
    try:
        instructions = uploads.upload_start(actor=request.user, document=document, source=UploadSource.WEB,
                                            **form.file_fields())
    except ApplicationError as exc:
        return _refused(request, document.customer, exc.localized(), status=exc.status)
    return _upload_target(instructions, status=201)


def _upload_target(instructions, *, status: int) -> JsonResponse:
    version = instructions.version
    return JsonResponse({
        "version": version.pk, "document": version.document_id, "method": instructions.method,
        "url": instructions.url, "headers": instructions.headers or {},
        "part_size": instructions.part_size, "parts": instructions.parts or [],
        "expires_at": instructions.expires_at.isoformat(),
        "complete_url": reverse("archives:version-upload-complete", args=[version.pk]),
        # The API's abandon (session + CSRF header): a PUT storage refused goes through this host.
        "abandon_url": reverse("documents_api:version-abandon", args=[version.pk]),
    }, status=status)


@login_required
@require_POST
def version_upload_complete(request, pk: int):
    """The browser's bytes are in storage: checked (one HEAD) and queued for verification; the
    answer is the document's row, which polls until processing settles."""
    version = found(selectors.version_detail(user=request.user, pk=pk))
    customer = version.document.customer
    try:
        parts = completed_parts(json.loads(request.body or b"{}"))
    except ValueError:  # JSONDecodeError is one
        error = ApplicationError(document_errors.MULTIPART_PARTS_INVALID, field="parts", detail="parts")
        return _refused(request, customer, error.localized(), status=400)
    try:
        version = uploads.upload_complete(actor=request.user, version=version, parts=parts)
    except ApplicationError as exc:
        return _refused(request, customer, exc.localized(), status=exc.status)
    if not is_htmx(request):
        return redirect(f"{customer_url(customer)}#document-{version.document_id}")
    return _row_response(request, version.document_id, status=200)


# --- status, previews, downloads, checklist ----------------------------------------------------

@login_required
@require_GET
def document_row(request, pk: int):
    """A document's row; asked again every few seconds while its newest version is on its way
    (htmx). The answer that finds it settled tells the page (HX-Trigger) to refresh the checklist."""
    document = found(selectors.document_detail(user=request.user, pk=pk))
    row = document_row_context(document, can_upload=_may_upload(request.user))
    if not is_htmx(request):
        return redirect(f"{customer_url(document.customer)}#document-{document.pk}")
    response = render(request, "archives/customer/documents/_document_row.html", {"row": row})
    if not row["in_progress"]:
        response["HX-Trigger"] = "documents-changed"
    return response


@login_required
@require_GET
def version_thumbnail(request, pk: int):
    """The first page's preview, streamed through this host: the page's CSP allows images from
    here only. A preview is not a download (no download record), but the query log keeps it."""
    version = found(selectors.version_detail(user=request.user, pk=pk))
    if not version.thumbnail_key or version.upload_state != UploadState.AVAILABLE:
        raise Http404
    try:  # a classified (密级) document has no unwatermarked preview
        downloads.refuse_classified(version)
    except ApplicationError:
        raise Http404 from None
    document_access_record(actor=request.user, action="preview", version=version, request=request)  # 查询记录
    response = StreamingHttpResponse(object_store().iter_chunks(version.thumbnail_key), content_type="image/png")
    # The key of a version's preview never changes; only this person's browser keeps it.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def version_download(request, pk: int):
    """A short-lived storage link, recorded (who, when, which version), then followed."""
    version = found(selectors.version_detail(user=request.user, pk=pk))
    try:
        link = downloads.download_issue(actor=request.user, version=version, ip_address=request.META.get("REMOTE_ADDR"))
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect(f"{customer_url(version.document.customer)}#documents")
    return redirect(link.url)


@login_required
@require_GET
def customer_checklist(request, pk: int):
    """The required-document checklist and completeness, asked for again when a document settles."""
    customer = visible_customer(request, pk)
    if not is_htmx(request):
        return redirect(f"{customer_url(customer)}#documents")
    return render(request, "archives/customer/documents/_checklist.html",
                  {"customer": customer, **completeness_context(customer)})

