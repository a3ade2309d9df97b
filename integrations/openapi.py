"""OpenAPI descriptions of the API infrastructure's headers, for `@extend_schema(parameters=…)`."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="A unique value (1–255 printable characters, e.g. a UUID) that makes this write safe "
    "to retry for 24 hours: a retry with the same key and body returns the first response with "
    "`Idempotent-Replayed: true`; the same key with another body answers 422 `idempotency_key_reused`; "
    "while the first request runs, 409 `idempotency_in_progress`.")
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The ETag you read; if the resource changed since, the write is refused with 412 "
    "`precondition_failed` instead of overwriting someone else's change.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The ETag of your cached copy; 304 Not Modified (no body) if it is still current.")


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Either header carries the key; OpenAPI lists them as alternatives."""

    target_class = "dangan.integrations.authentication.ApiKeyAuthentication"
    name = ["apiKeyAuth", "apiKeyHeader"]

    def get_security_requirement(self, auto_schema):
        return [{"apiKeyAuth": []}, {"apiKeyHeader": []}]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "Authorization",
             "description": "`Api-Key <key>`; keys are made by company administrators (POST /api/v1/api-keys/create/)."},
            {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The key alone."},
        ]
