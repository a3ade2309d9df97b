"""Reads on tenants."""
from __future__ import annotations

from django.db.models import BigIntegerField, F, QuerySet, Value
from django.db.models.functions import Coalesce
from django_tenants.utils import get_public_schema_name

from .models import PlatformEvent, Tenant


def companies() -> QuerySet[Tenant]:
    """Every company, without the platform's own public-schema row."""
    return Tenant.objects.exclude(schema_name=get_public_schema_name())


def active_tenants() -> QuerySet[Tenant]:
    return companies().filter(status=Tenant.Status.ACTIVE).order_by("pk")


def tenant_list_with_usage() -> QuerySet[Tenant]:
    """Companies with their latest usage figures (zero where none were measured yet)."""
    return (
        companies().select_related("plan", "usage")
        .annotate(
            usage_users=Coalesce("usage__users", 0),
            usage_storage_bytes=Coalesce("usage__storage_bytes", Value(0, output_field=BigIntegerField())),
            usage_object_count=Coalesce("usage__object_count", 0),
            usage_measured_at=F("usage__measured_at"),
        )
        .order_by("-created_at")
    )


def tenant_events(slug: str) -> QuerySet[PlatformEvent]:
    return PlatformEvent.objects.filter(tenant_slug=slug)
