"""Django REST framework and the OpenAPI schema."""
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: a request that presents an API key is judged by it alone (integrations/).
        "dangan.integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "dangan.integrations.authentication.TokenAuthentication",  # DRF's, with its lookup precompiled
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "dangan.integrations.permissions.ApiKeyScopePermission",  # read-only keys cannot write
        "dangan.api.writable.RejectProtectedFields",  # state, clearance, retention … are the services'
    ],
    # The plan's daily API call quota (429 api_quota_exceeded). A view that sets its own
    # throttle_classes must keep it in the list.
    "DEFAULT_THROTTLE_CLASSES": ["dangan.integrations.throttling.ApiQuotaThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dangan.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    # DRF's JSON, written by orjson (api/renderers.py); the browsable API as DRF has it.
    "DEFAULT_RENDERER_CLASSES": ["dangan.api.renderers.FastJSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dangan 档案 API",
    "DESCRIPTION": "Customer archives for companies: REST API. Errors share one shape: "
    '{"error": {"code", "message": {"zh-hans", "en"}, "fields"}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs pages load Swagger UI and Redoc from drf-spectacular-sidecar's static files, never
    # from a CDN: the app must work on a LAN without internet, under a CSP without other hosts.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components (…Request): read-only output fields never
    # appear as inputs, and required-ness follows the input serializer.
    "COMPONENT_SPLIT_REQUEST": True,
    # Django's converters match only these; say so, or clients (and schemathesis) would send
    # ids and codes that no route can match (answered by Django's HTML 404, not the API).
    "PATH_CONVERTER_OVERRIDES": {"int": {"type": "integer", "minimum": 0},
                                 "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}},
    # Several models have a `state` or a `kind`; each choice set gets a stable name instead
    # of a generated hash suffix that would change clients' generated types.
    "ENUM_NAME_OVERRIDES": {
        "CustomerStateEnum": "dangan.archives.models.CustomerState",
        "ChangeRequestStateEnum": "dangan.api.archives.serializers.ChangeRequestState",
        "ComplaintStateEnum": "dangan.api.archives.serializers.ComplaintState",
        "CustomerKindEnum": "dangan.api.archives.serializers.CustomerKind",
        "VoucherCopyKindEnum": "dangan.api.archives.serializers.VoucherCopyKind",
        "VolumeKindEnum": "dangan.api.archives.serializers.VolumeKind",
        "LoanStateEnum": "dangan.api.governance.borrowing.LoanState",
        "LoanMediumEnum": "dangan.api.governance.borrowing.LoanMedium",
        "PickupTakenEnum": "dangan.api.governance.pickups.PickupTaken",
        "PickupSignatureMethodEnum": "dangan.api.governance.pickups.PickupSignatureMethod",
    },
}
