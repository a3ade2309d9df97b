"""The contract pick-up register (合同领取登记) over REST: custodians record pick-ups (with a
signature image as multipart, or a typed name and ID number as JSON); custodians and auditors
list, export (.xlsx) and view the signatures. Rules: governance/services/pickups.py."""
from __future__ import annotations

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.api.archives.serializers import READ, WRITE, error_responses
from dangan.archives.selectors import customers_visible_to
from dangan.documents.models import Document
from dangan.governance import selectors
from dangan.governance.models import ContractPickup
from dangan.governance.services import pickups
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Named for SPECTACULAR_SETTINGS: distinct enum names for distinct choice sets.
PickupTaken = ContractPickup.Taken
PickupSignatureMethod = ContractPickup.SignatureMethod


class PickupDocumentRef(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class PickupOutput(serializers.ModelSerializer):
    archive_number = serializers.CharField(source="customer.archive_number")
    customer_name = serializers.CharField(source="customer.name")
    taken = serializers.ChoiceField(choices=ContractPickup.Taken.choices)
    signature_method = serializers.ChoiceField(choices=ContractPickup.SignatureMethod.choices)
    documents = PickupDocumentRef(many=True, source="documents.all")
    has_signature_image = serializers.SerializerMethodField()

    class Meta:
        model = ContractPickup
        fields = ["id", "customer", "archive_number", "customer_name", "taken", "documents", "description", "copies",
                  "picked_up_at", "signer_name", "signature_method", "has_signature_image", "signature_sha256",
                  "signer_id_masked", "handled_by_snapshot", "note", "created_at"]

    def get_has_signature_image(self, pickup) -> bool:
        return bool(pickup.signature_key)


class PickupFilter(serializers.Serializer):
    customer = serializers.IntegerField(required=False, min_value=1)
    taken = serializers.ChoiceField(choices=ContractPickup.Taken.choices, required=False)
    since = serializers.DateField(required=False, help_text="picked up on or after this day")
    until = serializers.DateField(required=False, help_text="picked up on or before this day")
    q = serializers.CharField(required=False, max_length=80, help_text="archive number (prefix) or signer name")


class PickupInput(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    taken = serializers.ChoiceField(choices=ContractPickup.Taken.choices)
    documents = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=100,
                                      default=list)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    copies = serializers.IntegerField(min_value=1, max_value=pickups.MAX_COPIES, required=False, default=1)
    picked_up_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                             help_text="when; empty: now")
    signer_name = serializers.CharField(max_length=100)
    # A plain file here: the service checks the image itself and answers with its own stable code.
    signature = serializers.FileField(required=False, allow_null=True, default=None, allow_empty_file=True,
                                       help_text="the customer's signature (PNG, JPEG or WebP; multipart)")
    signer_id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="",
                                             help_text="instead of an image: checked against the file's ID number")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class NewestFirst(CursorPagination):
    ordering = ("-picked_up_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _filters(request) -> dict:
    data = PickupFilter(data=request.query_params)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class PickupListApi(IdempotentMixin, APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(parameters=[PickupFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(PickupOutput, "ContractPickupPage"), **error_responses(*READ)},
                   operation_id="pickup_list", description="The contract pick-up register, newest first "
                   "(custodians, auditors).")
    def get(self, request):
        paginator = NewestFirst()
        page = paginator.paginate_queryset(selectors.pickup_list(user=request.user, filters=_filters(request)),
                                           request, view=self)
        return paginator.get_paginated_response(PickupOutput(page, many=True).data)

    @extend_schema(request={"multipart/form-data": PickupInput, "application/json": PickupInput},
                   responses={201: PickupOutput, **error_responses(*WRITE)}, parameters=[openapi.IDEMPOTENCY_KEY],
                   operation_id="pickup_record",
                   description="Record a pick-up (custodians) with exactly one signature: an image, or the "
                               "signer's typed name and ID number matching the file's recorded ID number.")
    def post(self, request):
        data = PickupInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        customer = customers_visible_to(request.user).filter(pk=values.pop("customer")).first()
        if customer is None:
            raise Http404
        wanted = set(values.pop("documents") or [])
        documents = list(Document.objects.filter(pk__in=wanted, customer=customer))
        if len(documents) != len(wanted):
            raise Http404
        pickup = pickups.pickup_record(actor=request.user, customer=customer, documents=documents, **values)
        return Response(PickupOutput(selectors.pickup_detail(user=request.user, pk=pickup.pk)).data,
                        status=status.HTTP_201_CREATED)


def _pickup(request, pk: int) -> ContractPickup:
    pickup = selectors.pickup_detail(user=request.user, pk=pk)
    if pickup is None:
        raise Http404
    return pickup


class PickupDetailApi(APIView):
    @extend_schema(responses={200: PickupOutput, **error_responses(*READ)}, operation_id="pickup_detail")
    def get(self, request, pk: int):
        return Response(PickupOutput(_pickup(request, pk)).data)


class PickupSignatureApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The image is not a DRF rendering; errors still answer in the one JSON shape.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the signature"),
                              **error_responses(404)}, operation_id="pickup_signature",
                   description="The captured signature image (custodians, auditors); the viewing is recorded.")
    def get(self, request, pk: int):
        chunks, content_type = pickups.pickup_signature(actor=request.user, pickup=_pickup(request, pk))
        if chunks is None:
            raise Http404
        response = StreamingHttpResponse(chunks, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class PickupExportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[PickupFilter],
                   responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="the register, oldest first"),
                              **error_responses(400)},
                   operation_id="pickup_export", description="The pick-up register as .xlsx (custodians, auditors); "
                   "the export is recorded in the query log.")
    def get(self, request):
        spool, _ = pickups.pickup_export(actor=request.user, filters=_filters(request))
        return FileResponse(spool, as_attachment=True, filename=f"合同领取登记-{timezone.localdate():%Y%m%d}.xlsx",
                            content_type=XLSX)
