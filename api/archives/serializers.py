"""Output shapes shared by the archives endpoints, and the error shape every endpoint
documents (api/errors.py makes it)."""
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from dangan.archives.models import (
    ArchiveCategory, ArchiveSettings, ArchiveVolume, CadenceRule, ChangeRequest, ClassificationScheme,
    ClassificationTerm, CommunicationRecord, Complaint, Contact, CustomFieldDefinition, Customer, CustomerChange,
    Department, Notification, SalesLedgerEntry, SalesVoucher, SatisfactionSurvey, ServiceRecord, VoucherCopy,
)

# Referenced by SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: several models have a `state` or
# `kind`, and each choice set needs its own stable enum name in the schema.
ComplaintState = Complaint.State
ChangeRequestState = ChangeRequest.State
CustomerKind = Customer.Kind
VoucherCopyKind = VoucherCopy.Kind
VolumeKind = ArchiveVolume.Kind


# --- errors ------------------------------------------------------------------------------------

# One class (its field name "zh-hans" is no Python identifier), instantiated where needed.
LocalizedMessage = type(inline_serializer("LocalizedMessage", {"zh-hans": serializers.CharField(),
                                                              "en": serializers.CharField()}))


def _localized():
    return LocalizedMessage()


class FieldError(serializers.Serializer):
    code = serializers.CharField()
    message = _localized()


class ErrorBody(serializers.Serializer):
    code = serializers.CharField(help_text="stable machine-readable code, e.g. validation_failed, not_found")
    message = _localized()
    fields = serializers.DictField(child=serializers.ListField(child=FieldError()), required=False,
                                   help_text="per-field problems, keyed by field path (contacts.0.phone)")


class ErrorOutput(serializers.Serializer):
    error = ErrorBody()


_ERROR_MEANING = {
    400: "Invalid input (validation_failed, or a specific code such as numbering_pattern_invalid).",
    401: "The API key is invalid, revoked or expired.",
    403: "Not signed in, not allowed (permission_denied and friends), or the company is suspended.",
    404: "No such resource among those visible to you (also: an invalid cursor).",
    409: "Conflict: the state does not allow this, a duplicate, or the same Idempotency-Key is in flight.",
    412: "If-Match did not match: the resource changed since you read it (precondition_failed).",
    422: "The Idempotency-Key was already used for a different request (idempotency_key_reused).",
    429: "The plan's daily API call quota is used up (api_quota_exceeded).",
}
ALWAYS = (401, 403, 429)  # any authenticated request may meet these
READ = (400, 404)  # filters and cursors are validated; ids resolve among visible rows only
WRITE = (400, 404, 409, 422)  # plus the idempotency answers


NOT_MODIFIED = OpenApiResponse(description="Not modified: If-None-Match named the current ETag (no body).")


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the error statuses an endpoint can answer, all in the one shape."""
    return {status: OpenApiResponse(ErrorOutput, description=_ERROR_MEANING[status])
            for status in sorted({*ALWAYS, *statuses})}


class TermOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField()


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["name", "phone", "email", "position", "is_primary"]
        extra_kwargs = {"phone": {"required": False}, "email": {"required": False},
                        "position": {"required": False}, "is_primary": {"required": False}}


class CategoryRef(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CustomerListOutput(serializers.ModelSerializer):
    category = CategoryRef()
    owner = UserRef()
    grade = TermOutput(allow_null=True)
    region = TermOutput(allow_null=True)
    industry = TermOutput(allow_null=True)
    department = CategoryRef(allow_null=True)

    class Meta:
        model = Customer
        fields = ["id", "archive_number", "name", "kind", "category", "state", "owner", "grade", "region", "industry",
                  "department", "is_key_customer", "review_overdue", "next_review_on", "created_at", "updated_at"]


class ChangeRequestOutput(serializers.ModelSerializer):
    requested_by = UserRef()
    decided_by = UserRef(allow_null=True)
    customer = serializers.IntegerField(source="customer_id")

    class Meta:
        model = ChangeRequest
        fields = ["id", "customer", "state", "changes", "previous", "reason", "requested_by", "requested_at",
                  "decided_by", "decided_at", "decision_reason"]


class CustomerDetailOutput(CustomerListOutput):
    contacts = ContactSerializer(many=True)
    customer_type = TermOutput(allow_null=True)
    cooperation_project = TermOutput(allow_null=True)
    custodian = UserRef(allow_null=True)
    created_by = UserRef()
    approved_by = UserRef(allow_null=True)
    filed_by = UserRef(allow_null=True)
    pending_change_requests = ChangeRequestOutput(many=True, source="change_requests.all")

    class Meta(CustomerListOutput.Meta):
        fields = [*CustomerListOutput.Meta.fields,
                  "customer_type", "cooperation_project", "address", "company_size", "legal_representative",
                  "trading_since", "assets", "service_area", "sales_capacity", "development_potential",
                  "business_policy", "sales_performance", "cooperation_attitude", "competitor_relations",
                  "credit_status", "trade_terms", "past_credit_problems", "custom_fields", "contacts", "custodian",
                  "created_by", "first_contact_on", "creation_due_on", "submitted_at", "approved_by", "approved_at",
                  "filed_by", "filed_at", "returned_reason", "last_reviewed_on", "last_activity_on", "archived_at",
                  "version", "pending_change_requests"]


class HistoryOutput(serializers.ModelSerializer):
    actor = UserRef()

    class Meta:
        model = CustomerChange
        fields = ["id", "action", "field", "old_value", "new_value", "reason", "change_request", "actor", "at"]


class LedgerEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = SalesLedgerEntry
        fields = ["id", "customer", "sale_date", "buyer_name", "buyer_contact", "voucher_number", "page",
                  "manufacturer", "shipping_batch", "sales_department", "salesperson", "sales_type", "item_number",
                  "product_name", "packaging", "specification", "quantity", "cartons", "product_batch",
                  "shelf_life_months", "expiry_date", "note", "created_at", "updated_at"]


# --- what hangs off a file (R2) -----------------------------------------------------------------

class CustomerRef(serializers.Serializer):
    id = serializers.IntegerField()
    archive_number = serializers.CharField()
    name = serializers.CharField()


class VoucherCopyOutput(serializers.ModelSerializer):
    class Meta:
        model = VoucherCopy
        fields = ["id", "voucher", "kind", "received", "note"]


class VoucherOutput(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    ledger_entry = serializers.IntegerField(source="ledger_entry_id", allow_null=True)
    copies = VoucherCopyOutput(many=True)

    class Meta:
        model = SalesVoucher
        fields = ["id", "customer", "ledger_entry", "number", "issued_on", "amount", "copies", "created_at"]


class CommunicationOutput(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    recorded_by = UserRef()

    class Meta:
        model = CommunicationRecord
        fields = ["id", "customer", "occurred_at", "channel", "contact_name", "summary", "next_step", "recorded_by",
                  "created_at"]


class ServiceRecordOutput(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    recorded_by = UserRef()

    class Meta:
        model = ServiceRecord
        fields = ["id", "customer", "served_on", "kind", "description", "recorded_by", "created_at"]


class ComplaintOutput(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    handler = UserRef(allow_null=True)
    recorded_by = UserRef()

    class Meta:
        model = Complaint
        fields = ["id", "customer", "received_at", "subject", "description", "state", "handler", "resolution",
                  "resolved_at", "closed_at", "recorded_by", "created_at"]


class SurveyOutput(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    recorded_by = UserRef()

    class Meta:
        model = SatisfactionSurvey
        fields = ["id", "customer", "surveyed_on", "score", "comment", "recorded_by", "created_at"]


class TraceabilityRowOutput(serializers.ModelSerializer):
    """One delivery: what, how much, to whom, and how to reach them."""

    ledger_entry = serializers.IntegerField(source="id")
    customer = CustomerRef()
    contacts = ContactSerializer(many=True, source="customer.contacts.all")

    class Meta:
        model = SalesLedgerEntry
        fields = ["ledger_entry", "sale_date", "product_name", "item_number", "product_batch", "specification",
                  "packaging", "quantity", "cartons", "expiry_date", "voucher_number", "customer", "contacts"]


# --- configuration (tenant administrators) ------------------------------------------------------

class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = ArchiveCategory
        fields = ["id", "code", "name", "description", "numbering_pattern", "review_interval_days", "default_kind",
                  "is_active", "sort"]


class ChoiceOption(serializers.Serializer):
    value = serializers.CharField(max_length=100)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CustomFieldOutput(serializers.ModelSerializer):
    category = serializers.IntegerField(source="category_id")
    choices = ChoiceOption(many=True)

    class Meta:
        model = CustomFieldDefinition
        fields = ["id", "category", "key", "label", "field_type", "required", "searchable", "choices", "help_text",
                  "sort", "is_active"]


class TermDetailOutput(serializers.ModelSerializer):
    scheme = serializers.IntegerField(source="scheme_id")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)

    class Meta:
        model = ClassificationTerm
        fields = ["id", "scheme", "code", "name", "parent", "sort", "is_active"]


class SchemeOutput(serializers.ModelSerializer):
    terms = TermDetailOutput(many=True, source="terms.all")

    class Meta:
        model = ClassificationScheme
        fields = ["id", "code", "name", "description", "sort", "terms"]


class DepartmentOutput(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    manager = UserRef(allow_null=True)
    members = UserRef(many=True, source="members.all")

    class Meta:
        model = Department
        fields = ["id", "code", "name", "parent", "manager", "members", "sort"]


class CadenceRuleOutput(serializers.ModelSerializer):
    grade = TermOutput(allow_null=True)
    category = CategoryRef(allow_null=True)

    class Meta:
        model = CadenceRule
        fields = ["id", "name", "is_key_customer", "grade", "category", "interval_days"]


class ArchiveSettingsOutput(serializers.ModelSerializer):
    important_fields = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = ArchiveSettings
        fields = ["creation_deadline_days", "important_fields", "inactive_after_days"]


class VolumeOutput(serializers.ModelSerializer):
    category = CategoryRef(allow_null=True)
    custodian = UserRef(allow_null=True)
    file_count = serializers.IntegerField(help_text="files registered in this folder / volume")

    class Meta:
        model = ArchiveVolume
        fields = ["id", "code", "name", "kind", "category", "year", "location", "custodian", "note", "created_at",
                  "file_count"]


class NotificationOutput(serializers.ModelSerializer):
    customer = CustomerRef(allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "customer", "created_at", "read_at"]
