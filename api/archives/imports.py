"""Bulk import and export over REST (R10, R11). Views validate, call one service or selector,
and serialize; the import and export rules live in archives/services/imports.py and exports.py.

Import: upload (multipart) → a job with the detected headers and a proposed mapping → validate
(optionally with a corrected mapping; a dry run on the worker) → poll the job → apply → poll →
error report. Export: start with the list's filters → poll → download. Jobs and exports are
visible to their author and to company administrators; anything else answers 404.
"""
from __future__ import annotations

from django.conf import settings
from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.archives.importing import selectors, targets as import_targets
from dangan.archives.models import ExportRecord, ImportJob
from dangan.archives.services import exports as export_services
from dangan.archives.services import imports as import_services
from dangan.documents.storage import object_store
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin

from .customers import CustomerFilter, storable_json
from .serializers import READ, WRITE, LocalizedMessage, UserRef, error_responses

PRESIGN_SECONDS = 300  # documents/storage.py never signs for longer
PRESIGNED = OpenApiParameter(
    "presigned", bool, required=False,
    description="true: answer JSON with a presigned object-storage URL (valid ≤ 5 minutes) instead of the file")


def _job(request, pk: int) -> ImportJob:
    job = selectors.import_job_get(user=request.user, pk=pk)
    if job is None:
        raise Http404
    return job


def _export(request, pk: int) -> ExportRecord:
    record = selectors.export_get(user=request.user, pk=pk)
    if record is None:
        raise Http404
    return record


class RowErrorOutput(serializers.Serializer):
    row = serializers.IntegerField(source="row_number", help_text="row number in the spreadsheet (header = 1)")
    column = serializers.CharField(help_text="header of the column, empty for row-level problems")
    value = serializers.CharField()
    code = serializers.CharField()
    message = serializers.SerializerMethodField()

    @extend_schema_field(LocalizedMessage)
    def get_message(self, error) -> dict:
        return {"zh-hans": error.message_zh, "en": error.message_en}


class ImportJobOutput(serializers.ModelSerializer):
    state = serializers.CharField(help_text="pending / validating / validated / applying / done / failed")
    kind = serializers.CharField(help_text="customers / ledger")
    phase = serializers.CharField(help_text="validate / apply: the phase the counters describe")
    percentage = serializers.IntegerField()
    created_by = UserRef()
    failure = inline_serializer("ImportFailure", {"code": serializers.CharField(), "message": LocalizedMessage()},
                                allow_null=True)
    has_error_report = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField(help_text=f"the first {import_services.ERROR_PREVIEW} row errors")

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "state", "phase", "file_name", "file_format", "file_size", "encoding", "sheet_name",
                  "header_row", "headers", "mapping", "total_rows", "processed_rows", "percentage", "ok_rows",
                  "error_rows", "created_rows", "updated_rows", "change_request_rows", "failure", "has_error_report",
                  "errors", "created_by", "created_at", "updated_at", "validated_at", "applied_at", "finished_at"]

    def get_has_error_report(self, job) -> bool:
        return bool(job.error_report_key)

    @extend_schema_field(RowErrorOutput(many=True))
    def get_errors(self, job) -> list[dict]:
        rows = selectors.import_job_errors(job=job, limit=import_services.ERROR_PREVIEW)
        return RowErrorOutput(rows, many=True).data


class ExportOutput(serializers.ModelSerializer):
    state = serializers.CharField(help_text="pending / running / done / failed")
    percentage = serializers.IntegerField()
    created_by = UserRef()
    failure = inline_serializer("ExportFailure", {"code": serializers.CharField(), "message": LocalizedMessage()},
                                allow_null=True)

    class Meta:
        model = ExportRecord
        fields = ["id", "kind", "state", "filters", "total_rows", "processed_rows", "percentage", "row_count",
                  "file_name", "file_size", "failure", "created_by", "created_at", "finished_at"]


def _file_response(request, *, key: str, file_name: str, presigned_url):
    """The stored file, streamed from object storage; or, with ?presigned=true, a short-lived
    URL to fetch it from storage directly."""
    if request.query_params.get("presigned") in ("1", "true", "yes"):
        return Response({"url": presigned_url(), "expires_in": min(settings.S3_PRESIGN_SECONDS, PRESIGN_SECONDS)})
    from urllib.parse import quote

    # iter_chunks opens the object now, in this request's tenant (see documents/storage.py).
    response = StreamingHttpResponse(object_store().iter_chunks(key), content_type=import_services.XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name, safe='')}"
    return response


class ImportTargetListApi(APIView):
    class TargetFilter(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ImportJob.Kind.choices, default=ImportJob.Kind.CUSTOMERS)

    class TargetOutput(serializers.Serializer):
        key = serializers.CharField(help_text="what a mapping names, e.g. name, grade, contact_phone, custom.unit_no")
        label = serializers.CharField()
        label_en = serializers.CharField()
        kind = serializers.CharField()
        aliases = serializers.ListField(child=serializers.CharField(), help_text="headers recognised automatically")

    @extend_schema(parameters=[TargetFilter], responses={200: TargetOutput(many=True), **error_responses(*READ)},
                   operation_id="import_target_list")
    def get(self, request):
        filters = self.TargetFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        targets = import_targets.targets_for(filters.validated_data["kind"])
        return Response(self.TargetOutput(targets, many=True).data)


class ImportUploadApi(IdempotentMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    class UploadInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ImportJob.Kind.choices, default=ImportJob.Kind.CUSTOMERS)
        file = serializers.FileField(help_text=".xlsx, or .csv in UTF-8 / UTF-8 with BOM / GB18030 (GBK)")

    @extend_schema(request={"multipart/form-data": UploadInput}, parameters=[openapi.IDEMPOTENCY_KEY],
                   responses={201: ImportJobOutput, 413: OpenApiResponse(description="import_file_too_large"),
                              **error_responses(*WRITE)},
                   operation_id="import_upload",
                   description="Stores the file and answers the job with the detected headers and a proposed "
                   "mapping (header → target, null when unrecognised). Nothing is validated or written yet.")
    def post(self, request):
        data = self.UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        job = import_services.import_job_create(actor=request.user, kind=data.validated_data["kind"], upload=upload,
                                                file_name=upload.name)
        return Response(ImportJobOutput(job).data, status=status.HTTP_201_CREATED)


class ImportJobDetailApi(APIView):
    @extend_schema(responses={200: ImportJobOutput, **error_responses(*READ)}, operation_id="import_job_detail",
                   description="State, progress (percentage) and counters; poll while validating or applying.")
    def get(self, request, pk: int):
        return Response(ImportJobOutput(_job(request, pk)).data)


class ImportValidateApi(IdempotentMixin, APIView):
    class ValidateInput(serializers.Serializer):
        mapping = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True), required=False,
                                        help_text="header → target key (see import targets); omitted: keep the "
                                        "proposed mapping")

    @extend_schema(request=ValidateInput, parameters=[openapi.IDEMPOTENCY_KEY],
                   responses={202: ImportJobOutput, **error_responses(*WRITE)}, operation_id="import_validate",
                   description="Confirms the mapping and starts the dry run: every row is validated by the same "
                   "rules as the API's own writes, and nothing is kept.")
    def post(self, request, pk: int):
        data = self.ValidateInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = import_services.import_job_validate(actor=request.user, job=_job(request, pk),
                                                  mapping=data.validated_data.get("mapping"))
        return Response(ImportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class ImportApplyApi(IdempotentMixin, APIView):
    @extend_schema(request=None, parameters=[openapi.IDEMPOTENCY_KEY],
                   responses={202: ImportJobOutput, **error_responses(*WRITE)}, operation_id="import_apply",
                   description="Writes the rows that pass validation; rows that fail are reported and skipped. "
                   "Rows with an archive number update that file; rows without one create new files.")
    def post(self, request, pk: int):
        job = import_services.import_job_apply(actor=request.user, job=_job(request, pk))
        return Response(ImportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class ImportErrorReportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The report is not a DRF rendering; errors still answer in the one JSON shape.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[PRESIGNED],
                   responses={(200, import_services.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
                              (200, "application/json"): inline_serializer("PresignedUrl", {
                                  "url": serializers.URLField(), "expires_in": serializers.IntegerField()}),
                              **error_responses(*READ, 409)},
                   operation_id="import_error_report",
                   description="The per-row error report (.xlsx) of the last finished phase; 409 "
                   "import_report_missing before the first phase has finished.")
    def get(self, request, pk: int):
        job = _job(request, pk)
        return _file_response(request, key=import_services.import_report_key(job=job),
                              file_name=import_services.import_report_file_name(job),
                              presigned_url=lambda: import_services.import_report_url(job=job))


class ExportStartApi(IdempotentMixin, APIView):
    # The body is the list's filters: `state` picks files in that state, it sets nothing.
    protected_fields_allowed = ("state",)

    class ExportInput(CustomerFilter):
        custom = serializers.DictField(child=serializers.CharField(max_length=200), required=False,
                                       help_text="custom field key → value, as custom.<key> in the list")

        def validate_custom(self, value: dict) -> dict:
            # DictField checks the values only: a NUL in a key would reach PostgreSQL as a 500.
            storable_json(value)
            return value

    @extend_schema(request=ExportInput, parameters=[openapi.IDEMPOTENCY_KEY],
                   responses={201: ExportOutput, 202: ExportOutput, **error_responses(*WRITE)},
                   operation_id="export_start",
                   description="Exports the customer list as the list endpoint would show it to you, with the "
                   "same filters. Small lists are written at once (201, state done); larger ones on the worker "
                   "(202): poll the export, then download it.")
    def post(self, request):
        data = self.ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        filters = {key: value for key, value in data.validated_data.items() if value is not None and key != "custom"}
        for key, value in (data.validated_data.get("custom") or {}).items():
            filters[f"custom.{key}"] = value
        record = export_services.export_start(actor=request.user, filters=filters)
        done = record.state == ExportRecord.State.DONE
        return Response(ExportOutput(record).data, status=status.HTTP_201_CREATED if done else status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    @extend_schema(responses={200: ExportOutput, **error_responses(*READ)}, operation_id="export_detail")
    def get(self, request, pk: int):
        return Response(ExportOutput(_export(request, pk)).data)


class ExportDownloadApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[PRESIGNED],
                   responses={(200, import_services.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
                              (200, "application/json"): inline_serializer("ExportPresignedUrl", {
                                  "url": serializers.URLField(), "expires_in": serializers.IntegerField()}),
                              **error_responses(*READ, 409)},
                   operation_id="export_download", description="409 export_not_ready until the export is done.")
    def get(self, request, pk: int):
        record = _export(request, pk)
        return _file_response(request, key=export_services.export_file_key(record=record), file_name=record.file_name,
                              presigned_url=lambda: export_services.export_download_url(record=record))
