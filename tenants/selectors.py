"""Reads on tenants."""
from __future__ import annotations

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from .models import PlatformEvent, Tenant


def companies() -> QuerySet[Tenant]:
    """Every company, without the platform's own public-schema row."""
    return Tenant.objects.exclude(schema_name=get_public_schema_name())


def active_tenants() -> QuerySet[Tenant]:
    return companies().filter(status=Tenant.Status.ACTIVE).order_by("pk")


def tenant_list_with_usage() -> QuerySet[Tenant]:
    return companies().select_related("plan", "usage").prefetch_related("domains").order_by("-created_at")


def tenant_events(slug: str) -> QuerySet[PlatformEvent]:
    return PlatformEvent.objects.filter(tenant_slug=slug)
