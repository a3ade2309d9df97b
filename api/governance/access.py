"""The query log (查询记录) for auditors: list and export (R6)."""
from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.api.archives.serializers import READ, error_responses
from dangan.governance import selectors
from dangan.governance.models import AccessRecord
from dangan.governance.services.access import access_log_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AccessAction = AccessRecord.Action  # SPECTACULAR_SETTINGS may name the enum after this


class AccessRecordOutput(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", allow_null=True)

    class Meta:
        model = AccessRecord
        fields = ["id", "at", "user", "user_name", "user_email", "roles", "via_api_key", "action", "object_type",
                  "object_id", "customer_ids", "query", "result_count", "reason", "ip"]


class AccessLogFilter(serializers.Serializer):
    user = serializers.IntegerField(required=False, min_value=1)
    action = serializers.ChoiceField(choices=AccessRecord.Action.choices, required=False)
    customer = serializers.IntegerField(required=False, min_value=1, help_text="records naming this file")
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class AccessLogPagination(CursorPagination):
    ordering = ("-at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _filters(request) -> dict:
    data = AccessLogFilter(data=request.query_params)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class AccessLogListApi(APIView):
    @extend_schema(parameters=[AccessLogFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(AccessRecordOutput, "AccessRecordPage"), **error_responses(*READ)},
                   operation_id="access_log_list", description="Who viewed, searched, exported, downloaded or "
                   "revealed customer data, when, what and why; newest first (auditors).")
    def get(self, request):
        records = selectors.access_log(user=request.user, filters=_filters(request))
        paginator = AccessLogPagination()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(AccessRecordOutput(page, many=True).data)


class AccessLogExportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The file is not a DRF rendering; errors still answer in the one JSON shape.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[AccessLogFilter],
                   responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="the records, oldest first"),
                              **error_responses(400)},
                   operation_id="access_log_export", description="The query log as .xlsx (auditors); the export "
                   "is itself recorded.")
    def get(self, request):
        spool, _ = access_log_export(actor=request.user, filters=_filters(request))
        return FileResponse(spool, as_attachment=True, filename=f"查询记录-{timezone.localdate():%Y%m%d}.xlsx",
                            content_type=XLSX)
