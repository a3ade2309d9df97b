"""Output shapes of the documents endpoints, and their error responses."""
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from dangan.api.archives.serializers import _ERROR_MEANING, ALWAYS, ErrorOutput, UserRef
from dangan.documents.models import (
    Checklist, ChecklistItem, Document, DocumentType, DocumentVersion, DownloadRecord, OcrStatus, OriginalOrCopy,
    PhysicalLocation, ScanStatus, StepStatus, UploadSource, UploadState,
)

# Stable enum names in the schema (SPECTACULAR_SETTINGS would otherwise hash-suffix clashes).
DocumentState = Document.State
ChecklistItemForm = ChecklistItem.Form
LocationKind = PhysicalLocation.Kind

READ = (400, 404)
WRITE = (400, 404, 409, 422)
_MEANING = {
    **_ERROR_MEANING,
    413: "Too large: file_too_large (the per-file limit) or storage_quota_exceeded (the plan's storage).",
    415: "file_type_rejected: only PDF, JPEG, PNG, TIFF and OFD are accepted (decided by content).",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(ErrorOutput, description=_MEANING[status])
            for status in sorted({*ALWAYS, *statuses})}


class DocumentTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = DocumentType
        fields = ["id", "code", "name", "description", "default_original_or_copy", "is_active", "sort"]


class TypeRef(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class LocationOutput(serializers.ModelSerializer):
    path = serializers.SerializerMethodField()

    class Meta:
        model = PhysicalLocation
        fields = ["id", "parent", "kind", "code", "name", "note", "path"]

    def get_path(self, location) -> str:
        return " / ".join(node.name for node in location.path())


class VersionOutput(serializers.ModelSerializer):
    uploaded_by = UserRef()
    upload_state = serializers.ChoiceField(choices=UploadState.choices)
    source = serializers.ChoiceField(choices=UploadSource.choices)
    scan_status = serializers.ChoiceField(choices=ScanStatus.choices)
    text_status = serializers.ChoiceField(choices=StepStatus.choices)
    ocr_status = serializers.ChoiceField(choices=OcrStatus.choices)
    thumbnail_status = serializers.ChoiceField(choices=StepStatus.choices)
    object_missing = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = ["id", "document", "number", "original_filename", "size", "sha256", "mime_type", "page_count",
                  "source", "uploaded_by", "uploaded_at", "upload_state", "state_changed_at", "rejection_code",
                  "rejection_detail", "scan_status", "scan_signature", "text_status", "ocr_status",
                  "thumbnail_status", "processing_attempts", "processed_at", "processing_error", "object_missing"]

    def get_object_missing(self, version) -> bool:
        return version.object_missing_at is not None


class DocumentOutput(serializers.ModelSerializer):
    document_type = TypeRef()
    created_by = UserRef()
    current_version = VersionOutput(allow_null=True)
    state = serializers.ChoiceField(choices=Document.State.choices)
    original_or_copy = serializers.ChoiceField(choices=OriginalOrCopy.choices)
    physical_location = LocationOutput(allow_null=True)

    class Meta:
        model = Document
        fields = ["id", "customer", "document_type", "title", "original_or_copy", "copies", "ledger_entry",
                  "voucher_copy", "checklist_item", "physical_location", "state", "current_version", "created_by",
                  "created_at", "updated_at"]


class PaperLoanOutput(serializers.Serializer):
    """The open paper loan holding this document (its own, or its whole file's): 借阅登记."""

    loan = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    borrower = serializers.CharField(source="borrower_snapshot.name")
    due_date = serializers.DateField()
    state = serializers.CharField()


class DocumentDetailOutput(DocumentOutput):
    versions = VersionOutput(many=True)
    paper_loan = serializers.SerializerMethodField(help_text="the paper original is out on loan: to whom, until when")

    class Meta(DocumentOutput.Meta):
        fields = [*DocumentOutput.Meta.fields, "versions", "paper_loan"]

    @extend_schema_field(PaperLoanOutput(allow_null=True))
    def get_paper_loan(self, document):
        from dangan.governance.selectors import paper_loan_of_document

        loan = paper_loan_of_document(document)
        return PaperLoanOutput(loan).data if loan else None


class UploadPart(serializers.Serializer):
    part_number = serializers.IntegerField()
    url = serializers.URLField()


class UploadOutput(serializers.Serializer):
    """How to send the bytes: one PUT to `url` with `headers`, or (method MULTIPART) one PUT of
    `part_size` bytes (the last part shorter) to each part's URL, keeping each response's ETag
    for the complete call."""

    document = DocumentOutput()
    version = VersionOutput()
    method = serializers.ChoiceField(choices=[("PUT", "PUT"), ("MULTIPART", "MULTIPART")])
    url = serializers.URLField(allow_null=True)
    headers = serializers.DictField(child=serializers.CharField(), allow_null=True)
    part_size = serializers.IntegerField(allow_null=True)
    parts = UploadPart(many=True, allow_null=True)
    expires_at = serializers.DateTimeField()
    complete_url = serializers.CharField()


class LinkOutput(serializers.Serializer):
    url = serializers.URLField(help_text="presigned; valid for at most 5 minutes")
    filename = serializers.CharField()
    expires_at = serializers.DateTimeField()


class DownloadRecordOutput(serializers.ModelSerializer):
    user = UserRef()
    version_number = serializers.IntegerField(source="version.number")

    class Meta:
        model = DownloadRecord
        fields = ["id", "document", "version", "version_number", "user", "at", "expires_at", "ip_address"]


class ChecklistItemOutput(serializers.ModelSerializer):
    document_type = TypeRef()
    original_or_copy = serializers.ChoiceField(choices=ChecklistItem.Form.choices)

    class Meta:
        model = ChecklistItem
        fields = ["id", "checklist", "document_type", "copies", "original_or_copy", "required", "condition", "note",
                  "is_active", "sort"]


class ChecklistOutput(serializers.ModelSerializer):
    items = ChecklistItemOutput(many=True)

    class Meta:
        model = Checklist
        fields = ["id", "category", "name", "description", "condition", "is_active", "sort", "items"]


class CompletenessItemOutput(serializers.Serializer):
    item = serializers.IntegerField()
    checklist = serializers.CharField()
    document_type = serializers.CharField()
    document_type_name = serializers.CharField()
    original_or_copy = serializers.CharField()
    copies = serializers.IntegerField()
    have = serializers.IntegerField()
    required = serializers.BooleanField()
    note = serializers.CharField()


class CompletenessOutput(serializers.Serializer):
    customer = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="share of applicable checklist items fully held, 0–100")
    can_file = serializers.BooleanField(help_text="no required item is missing")
    items = CompletenessItemOutput(many=True)
    missing = CompletenessItemOutput(many=True)


class VoucherFlagOutput(serializers.Serializer):
    voucher = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    ledger_entry = serializers.IntegerField(source="ledger_entry_id", allow_null=True)
    issued_on = serializers.DateField()
    missing_copies = serializers.ListField(child=serializers.CharField(),
                                           help_text="stub / invoice / goods copies without a scanned document")
