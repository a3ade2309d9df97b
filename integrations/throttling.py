"""The plan's daily API call quota, as a DRF throttle (REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES)."""
from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name
from rest_framework.throttling import BaseThrottle

from dangan.platform.errors import ApplicationError

from . import errors, usage


class ApiQuotaThrottle(BaseThrottle):
    """Counts every authenticated API request on a company host; past the plan's
    `max_api_calls_per_day` answers 429 `api_quota_exceeded` until local midnight.

    Raises instead of returning False: DRF's own Throttled error carries the generic
    `throttled` code and one language, and clients must be able to tell "slow down" from
    "come back tomorrow".
    """

    def allow_request(self, request, view) -> bool:
        tenant = getattr(request, "tenant", None)
        if tenant is None or connection.schema_name == get_public_schema_name():
            return True
        if not getattr(request.user, "is_authenticated", False):
            return True
        limit = usage.daily_api_call_limit(tenant)
        if usage.api_call_count_increment() > limit:
            usage.api_call_count_decrement()  # the figure reports calls served, not attempts
            raise ApplicationError(errors.API_QUOTA_EXCEEDED, limit=limit)
        return True
