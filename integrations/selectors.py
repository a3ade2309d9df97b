"""Reads of the API infrastructure."""
from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from dangan.accounts.seeding import TENANT_ADMIN_GROUP

from .models import ApiKey, IdempotencyRecord

# Long enough for a client's retries across a deploy or an outage of a few hours; the periodic
# purge (integrations.purge_idempotency_records) keeps the table small.
IDEMPOTENCY_TTL = timedelta(hours=24)


def user_is_tenant_admin(user) -> bool:
    """Company administrators: superusers (the signing-up person) and the 租户管理员 group."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.groups.filter(name=TENANT_ADMIN_GROUP).exists())


class ApiKeyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApiKey.Status.choices, method="filter_status")

    class Meta:
        model = ApiKey
        fields = ["status"]

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == ApiKey.Status.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if value == ApiKey.Status.EXPIRED:
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)


def api_key_list(*, filters: dict | None = None) -> QuerySet[ApiKey]:
    queryset = ApiKey.objects.select_related("created_by").order_by("-created_at")
    return ApiKeyFilter(filters or {}, queryset).qs


def api_key_get(*, pk: int) -> ApiKey | None:
    return ApiKey.objects.select_related("created_by").filter(pk=pk).first()


def api_key_by_prefix(prefix: str) -> ApiKey | None:
    """The authentication lookup: one unique-index probe, creator loaded with it."""
    return ApiKey.objects.select_related("created_by").filter(prefix=prefix).first()


def idempotency_record_find(*, identity: str, key: str) -> IdempotencyRecord | None:
    """A stored outcome still within its lifetime (older ones count as never sent)."""
    cutoff = timezone.now() - IDEMPOTENCY_TTL
    return IdempotencyRecord.objects.filter(identity=identity, key=key, created_at__gt=cutoff).first()
