"""The audit chain for auditors: its events and its verification (R8). Views validate, call a
selector, serialize; the auditor-only rule lives in governance/selectors.py."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.api.archives.serializers import READ, error_responses
from dangan.governance import selectors
from dangan.governance.models import AuditEvent


class ObjectRef(serializers.Serializer):
    type = serializers.CharField(source="object_type", help_text="app.model, e.g. archives.customer")
    id = serializers.CharField(source="object_id")


class AuditEventOutput(serializers.ModelSerializer):
    object = ObjectRef(source="*")

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor", "action", "object", "summary", "prev_hash", "hash"]


class AuditEventPagination(CursorPagination):
    ordering = "-seq"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventFilter(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=60)
    object_type = serializers.CharField(required=False, max_length=60)
    object_id = serializers.CharField(required=False, max_length=64)
    actor = serializers.IntegerField(required=False, min_value=1, help_text="user id of the actor")
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class AuditEventListApi(APIView):
    @extend_schema(parameters=[AuditEventFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(AuditEventOutput, "AuditEventPage"), **error_responses(*READ)},
                   operation_id="audit_event_list", description="The company's audit chain, newest first (auditors).")
    def get(self, request):
        filters = AuditEventFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = selectors.audit_events(user=request.user, filters=filters.validated_data)
        paginator = AuditEventPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(AuditEventOutput(page, many=True).data)


class ProblemOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=["hash_mismatch", "gap", "link_broken", "out_of_order", "truncated",
                                            "checkpoint_mismatch", "checkpoint_missing_event", "checkpoint_conflict"])
    seq = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class HeadOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    hash = serializers.CharField()


class VerificationOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    head = HeadOutput(allow_null=True)
    checkpoints = serializers.IntegerField(help_text="checkpoints compared (public schema and object storage)")
    problem_count = serializers.IntegerField()
    problems = ProblemOutput(many=True)


class AuditVerifyApi(APIView):
    @extend_schema(responses={200: VerificationOutput, **error_responses()}, operation_id="audit_verify",
                   description="Recompute every hash and link of the chain and compare it with the heads "
                               "checkpointed outside the company's schema (auditors).")
    def get(self, request):
        return Response(VerificationOutput(selectors.audit_verification(user=request.user)).data)
