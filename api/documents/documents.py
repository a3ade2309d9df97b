"""Documents over REST: list and search, direct uploads (presigned PUT / multipart) and their
completion, proxied uploads (multipart/form-data streamed to storage), metadata changes,
download links and their records, thumbnails.

Every route reaches a document through a customer the caller may see (404 otherwise, never
403: a refusal would confirm the file exists). Object keys never appear in requests or
responses: a client names versions by id, and ids resolve only inside its company's schema."""
from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.archives import selectors as archive_selectors
from dangan.documents import errors, selectors, visibility
from dangan.documents.models import Document, OriginalOrCopy, UploadSource
from dangan.documents.services import downloads, uploads
from dangan.documents.services._common import current_limits
from dangan.documents.services.documents import document_update, resolve_links
from dangan.documents.upload_handlers import FIELD, StreamedFile, StreamingUploadHandler
from dangan.governance.services.access import access_record
from dangan.governance.writable import reject_protected_fields
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin
from dangan.integrations.models import ApiKey
from dangan.platform.errors import ApplicationError

from .serializers import (
    READ, WRITE, DocumentDetailOutput, DocumentOutput, DownloadRecordOutput, LinkOutput, UploadOutput, VersionOutput,
    error_responses,
)

PAGE_PARAMS = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]
HEX64 = r"^[0-9a-fA-F]{64}$"


def visible_customer(request, pk: int):
    customer = archive_selectors.customers_visible_to(request.user).select_related("category").filter(pk=pk).first()
    if customer is None:
        raise Http404
    return customer


def visible_document(request, pk: int) -> Document:
    document = selectors.document_detail(user=request.user, pk=pk)
    if document is None:
        raise Http404
    return document


def visible_version(request, pk: int):
    version = selectors.version_detail(user=request.user, pk=pk)
    if version is None:
        raise Http404
    return version


def source_of(request) -> str:
    return UploadSource.WEB if request.auth is None else UploadSource.API


class Pagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class DocumentFields(serializers.Serializer):
    document_type = serializers.CharField(max_length=40, help_text="id or code of a document type")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    original_or_copy = serializers.ChoiceField(choices=OriginalOrCopy.choices, required=False)
    copies = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    ledger_entry = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    voucher_copy = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    checklist_item = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    physical_location = serializers.IntegerField(min_value=1, required=False, allow_null=True)


def document_fields(validated: dict) -> dict:
    links = resolve_links(**{name: validated.pop(name, None) for name in
                             ("ledger_entry", "voucher_copy", "checklist_item", "physical_location")})
    return {**validated, **links}


class FileFields(serializers.Serializer):
    filename = serializers.CharField(max_length=1000, help_text="kept as sanitized metadata only")
    size = serializers.IntegerField(min_value=1, help_text="bytes; checked against the upload")
    sha256 = serializers.RegexField(HEX64, help_text="hex SHA-256 of the file; checked against the upload")


# The answers of the upload calls, from serializers built once per process. DRF builds a
# ModelSerializer's fields anew for each instance (model introspection, deep copies): ~95% of
# the time an upload start spent on its answer, measured; representing a row with built fields
# is pure. Output only — no validation, no context — so one instance serves every thread.
UPLOAD_OUTPUT = UploadOutput()
VERSION_OUTPUT = VersionOutput()
# The same for pages of documents (search, a file's list): the nested version, type, user and
# location serializers are built once instead of on every request.
DOCUMENT_PAGE_OUTPUT = DocumentOutput(many=True)


def upload_response(request, instructions: uploads.UploadInstructions, document: Document) -> Response:
    version = instructions.version
    body = {
        "document": document, "version": version,
        "method": instructions.method, "url": instructions.url, "headers": instructions.headers,
        "part_size": instructions.part_size, "parts": instructions.parts, "expires_at": instructions.expires_at,
        "complete_url": reverse("documents_api:version-complete", args=[version.pk]),
    }
    return Response(UPLOAD_OUTPUT.to_representation(body), status=status.HTTP_201_CREATED)


# --- list, search, detail ---------------------------------------------------------------------------

class CustomerDocumentListApi(APIView):
    class Filter(serializers.Serializer):
        document_type = serializers.IntegerField(required=False, min_value=1)
        state = serializers.ChoiceField(choices=Document.State.choices, required=False)

    @extend_schema(parameters=[Filter, *PAGE_PARAMS], operation_id="customer_document_list",
                   responses={200: page_of(DocumentOutput, "DocumentPage"), **error_responses(*READ)})
    def get(self, request, pk: int):
        customer = visible_customer(request, pk)
        data = self.Filter(data=request.query_params)
        data.is_valid(raise_exception=True)
        documents = selectors.document_list(user=request.user, customer_id=customer.pk, filters=data.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(documents, request, view=self)
        return paginator.get_paginated_response(DocumentOutput(page, many=True).data)


class DocumentSearchApi(APIView):
    class Query(serializers.Serializer):
        q = serializers.CharField(max_length=100, help_text="Chinese words (cut by jieba), numbers, codes")
        customer = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(parameters=[Query, *PAGE_PARAMS], operation_id="document_search",
                   responses={200: page_of(DocumentOutput, "DocumentSearchPage"), **error_responses(*READ)})
    def get(self, request):
        data = self.Query(data=request.query_params)
        data.is_valid(raise_exception=True)
        documents = selectors.document_search(user=request.user, q=data.validated_data["q"],
                                              customer_id=data.validated_data.get("customer"))
        paginator = Pagination()
        paginator.ordering = ("-id",)
        page = paginator.paginate_queryset(documents, request, view=self)
        # The query log (查询记录): a full-text search over scanned documents is a search of files.
        access_record(actor=request.user, action="list", query={"documents": dict(data.validated_data)},
                      customer_ids=[document.customer_id for document in page], result_count=len(page),
                      request=request)
        return paginator.get_paginated_response(DOCUMENT_PAGE_OUTPUT.to_representation(page))


class DocumentDetailApi(IdempotentMixin, APIView):
    class UpdateInput(DocumentFields):
        document_type = serializers.CharField(max_length=40, required=False)
        copies = serializers.IntegerField(min_value=1, max_value=1000, required=False)

    @extend_schema(responses={200: DocumentDetailOutput, **error_responses(*READ)}, operation_id="document_detail")
    def get(self, request, pk: int):
        return Response(DocumentDetailOutput(visible_document(request, pk)).data)

    @extend_schema(request=UpdateInput, responses={200: DocumentDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_update")
    def patch(self, request, pk: int):
        document = visible_document(request, pk)
        data = self.UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        named = [name for name in ("ledger_entry", "voucher_copy", "checklist_item", "physical_location")
                 if name in values]
        resolved = resolve_links(**{name: values.pop(name) for name in named})
        links = {name: resolved[name] for name in named}  # only what the client sent changes
        document_update(actor=request.user, document=document, **values, **links)
        return Response(DocumentDetailOutput(visible_document(request, pk)).data)


class DocumentDownloadsApi(APIView):
    class Pagination(CursorPagination):
        ordering = ("-at", "-id")
        page_size = 100

    @extend_schema(parameters=[OpenApiParameter("cursor", str)], operation_id="document_download_records",
                   responses={200: page_of(DownloadRecordOutput, "DownloadRecordPage"), **error_responses(*READ)})
    def get(self, request, pk: int):
        document = visible_document(request, pk)
        paginator = self.Pagination()
        page = paginator.paginate_queryset(selectors.download_records(document=document), request, view=self)
        return paginator.get_paginated_response(DownloadRecordOutput(page, many=True).data)


class VersionDetailApi(APIView):
    @extend_schema(responses={200: VersionOutput, **error_responses(*READ)}, operation_id="document_version_detail",
                   description="Upload state and processing status of one version (poll after completing).")
    def get(self, request, pk: int):
        return Response(VersionOutput(visible_version(request, pk)).data)


# --- direct uploads ---------------------------------------------------------------------------------

class CustomerDocumentUploadStartApi(IdempotentMixin, APIView):
    class StartInput(DocumentFields, FileFields):
        pass

    @extend_schema(request=StartInput, responses={201: UploadOutput, **error_responses(*WRITE, 413)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_upload_start",
                   description="A new document of the file, with its first version awaiting upload: PUT the "
                               "bytes to the presigned URL(s) (multipart above 64 MB), then POST complete_url.")
    def post(self, request, pk: int):
        # A new document reads only a few columns of its file, not the ~60 of a customer's
        # detail; the visibility rule's SQL is compiled once per viewer.
        customer = visibility.customer_for_upload(user=request.user, pk=pk)
        if customer is None:
            raise Http404
        data = self.StartInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        file = {name: values.pop(name) for name in ("filename", "size", "sha256")}
        instructions = uploads.upload_start(actor=request.user, customer=customer, source=source_of(request),
                                            document_fields=document_fields(values), **file)
        return upload_response(request, instructions, instructions.version.document)


class VersionUploadStartApi(IdempotentMixin, APIView):
    @extend_schema(request=FileFields, responses={201: UploadOutput, **error_responses(*WRITE, 413)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_version_upload_start",
                   description="A new version of the document (earlier versions stay readable).")
    def post(self, request, pk: int):
        document = visible_document(request, pk)
        data = FileFields(data=request.data)
        data.is_valid(raise_exception=True)
        instructions = uploads.upload_start(actor=request.user, document=document, source=source_of(request),
                                            **data.validated_data)
        return upload_response(request, instructions, visible_document(request, pk))


class VersionCompleteApi(IdempotentMixin, APIView):
    class CompleteInput(serializers.Serializer):
        class Part(serializers.Serializer):
            part_number = serializers.IntegerField(min_value=1, max_value=10_000)
            etag = serializers.CharField(max_length=200)

        parts = Part(many=True, required=False, max_length=10_000, help_text="multipart uploads only")

    @extend_schema(request=CompleteInput, responses={202: VersionOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_upload_complete",
                   description="The bytes are in storage: the server checks size, SHA-256 and type in the "
                               "background (upload_state uploaded → verified → available, or rejected).")
    def post(self, request, pk: int):
        # Only whether the caller may see it: the service locks and loads the row itself.
        version = selectors.version_visible(user=request.user, pk=pk)
        if version is None:
            raise Http404
        data = self.CompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = uploads.upload_complete(actor=request.user, version=version, parts=data.validated_data.get("parts"))
        return Response(VERSION_OUTPUT.to_representation(version), status=status.HTTP_202_ACCEPTED)


class VersionAbandonApi(IdempotentMixin, APIView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="abandoned: nothing of it is kept"),
                                            **error_responses(*WRITE, 403)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_upload_abandon",
                   description="Give up a direct upload that was started but not completed (e.g. the client "
                               "could not PUT to storage and sends the file through the proxied upload "
                               "instead): the pending version is deleted at once — with its document when "
                               "the upload created it — its quarantine object is removed and its reserved "
                               "storage given back. Only the person who started the upload may (403 "
                               "otherwise); once completed it is refused (409 upload_not_abandonable).")
    def post(self, request, pk: int):
        version = selectors.version_visible(user=request.user, pk=pk)
        if version is None:
            raise Http404
        uploads.upload_abandon(actor=request.user, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- proxied uploads --------------------------------------------------------------------------------

class _ProxiedUpload(APIView):
    """multipart/form-data with the file in field `file` (send it last, after the other fields).
    Not idempotent: a retry uploads again — clients that retry should use the direct upload with
    an Idempotency-Key."""

    parser_classes = [MultiPartParser]
    streams_upload = True  # api/writable.py: the form fields are checked in received(), once parsed

    def initial(self, request, *args, **kwargs):
        # Installed before anything reads the body: the session CSRF check already parses a
        # POST form, and it must stream through this handler like the view's own parse.
        self.handler = StreamingUploadHandler(request._request, max_bytes=current_limits().max_file_bytes)
        self.handler.authorize = lambda: self.authorize_upload(request, **kwargs)
        request._request.upload_handlers = [self.handler]
        super().initial(request, *args, **kwargs)

    def authorize_upload(self, request, **kwargs) -> None:
        """Before the first byte goes to storage: the caller may add to this target."""
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated:
            raise ApplicationError(errors.FORBIDDEN)
        self.target(request._request, **kwargs)

    def received(self, request) -> StreamedFile:
        upload = request.FILES.get(FIELD)
        reject_protected_fields(request.POST.keys())
        if not isinstance(upload, StreamedFile):
            raise ApplicationError(errors.FILE_MISSING, field=FIELD)
        if upload.size == 0:
            raise ApplicationError(errors.FILE_EMPTY, field=FIELD)
        return upload

    def finish(self, request, **kwargs):
        try:
            upload = self.received(request)
            version = self.record(request, upload, **kwargs)
        except BaseException:
            self.handler.discard()
            raise
        return Response(DocumentDetailOutput(visible_document(request, version.document_id)).data,
                        status=status.HTTP_201_CREATED)


class CustomerDocumentProxiedUploadApi(_ProxiedUpload):
    class FormInput(DocumentFields):
        file = serializers.FileField(help_text="PDF, JPEG, PNG, TIFF or OFD")
        sha256 = serializers.RegexField(HEX64, required=False, help_text="optional: refused if it does not match")

    def target(self, request, pk: int):
        return visible_customer(request, pk)

    @extend_schema(request={"multipart/form-data": FormInput},
                   responses={201: DocumentDetailOutput, **error_responses(*READ, 413, 415)},
                   operation_id="document_upload_proxied")
    def post(self, request, pk: int):
        return self.finish(request, pk=pk)

    def record(self, request, upload: StreamedFile, pk: int):
        customer = visible_customer(request, pk)
        fields = {key: value for key, value in request.POST.items()}
        data = self.FormInput(data={**fields, "file": upload})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("file")
        declared = values.pop("sha256", "")
        return uploads.proxied_upload_finish(
            actor=request.user, stored=upload.stored, filename=upload.name, mime_hint=upload.mime_hint,
            source=source_of(request), customer=customer, document_fields=document_fields(values),
            declared_sha256=declared)


class VersionProxiedUploadApi(_ProxiedUpload):
    class FormInput(serializers.Serializer):
        file = serializers.FileField(help_text="PDF, JPEG, PNG, TIFF or OFD")
        sha256 = serializers.RegexField(HEX64, required=False)

    def target(self, request, pk: int):
        return visible_document(request, pk)

    @extend_schema(request={"multipart/form-data": FormInput},
                   responses={201: DocumentDetailOutput, **error_responses(*READ, 413, 415)},
                   operation_id="document_version_upload_proxied")
    def post(self, request, pk: int):
        return self.finish(request, pk=pk)

    def record(self, request, upload: StreamedFile, pk: int):
        document = visible_document(request, pk)
        return uploads.proxied_upload_finish(
            actor=request.user, stored=upload.stored, filename=upload.name, mime_hint=upload.mime_hint,
            source=source_of(request), document=document, declared_sha256=request.POST.get("sha256", ""))


# --- downloads --------------------------------------------------------------------------------------

class VersionDownloadApi(APIView):
    @extend_schema(responses={200: LinkOutput, **error_responses(*READ, 409)}, operation_id="document_version_download",
                   description="A presigned GET (≤ 5 minutes, Content-Disposition: attachment); recorded.")
    def get(self, request, pk: int):
        version = visible_version(request, pk)
        link = downloads.download_issue(
            actor=request.user, version=version, api_key=request.auth if isinstance(request.auth, ApiKey) else None,
            ip_address=request.META.get("REMOTE_ADDR"))
        return Response(LinkOutput(link).data)


class VersionThumbnailApi(APIView):
    @extend_schema(responses={200: LinkOutput, **error_responses(*READ, 409)}, operation_id="document_version_thumbnail")
    def get(self, request, pk: int):
        return Response(LinkOutput(downloads.thumbnail_link(version=visible_version(request, pk),
                                                            actor=request.user)).data)


UploadLimitsOutput = inline_serializer("UploadLimits", {
    "max_file_bytes": serializers.IntegerField(), "quota_bytes": serializers.IntegerField(),
    "used_bytes": serializers.IntegerField(), "multipart_threshold_bytes": serializers.IntegerField()})


class UploadLimitsApi(APIView):
    @extend_schema(responses={200: UploadLimitsOutput, **error_responses()}, operation_id="document_upload_limits")
    def get(self, request):
        from django.conf import settings

        from dangan.documents.services._common import MB
        from dangan.documents.services.quota import storage_used

        limits = current_limits()
        return Response({"max_file_bytes": limits.max_file_bytes, "quota_bytes": limits.quota_bytes,
                         "used_bytes": storage_used(),
                         "multipart_threshold_bytes": settings.DOCUMENTS_MULTIPART_THRESHOLD_MB * MB})


# --- deletion ---------------------------------------------------------------------------------------

class DocumentDeletedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    deleted_at = serializers.DateTimeField()
    deleted_by = serializers.IntegerField(source="deleted_by_id")
    deletion_reason = serializers.CharField()


class DocumentDeleteApi(IdempotentMixin, APIView):
    class DocumentDeleteInput(serializers.Serializer):
        reason = serializers.CharField(max_length=500, help_text="why the document goes (kept and audited)")

    @extend_schema(request=DocumentDeleteInput, responses={202: DocumentDeletedOutput, **error_responses(*WRITE, 403)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="document_delete",
                   description="Soft delete (custodians and administrators): the document leaves every list, "
                               "search and completeness count at once; its files are purged from storage in the "
                               "background. Refused (409) while the file is filed or under a legal hold.")
    def post(self, request, pk: int):
        from dangan.documents.services.deletion import document_delete

        document = visible_document(request, pk)
        data = self.DocumentDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_delete(actor=request.user, document=document, reason=data.validated_data["reason"])
        return Response(DocumentDeletedOutput(document).data, status=status.HTTP_202_ACCEPTED)
