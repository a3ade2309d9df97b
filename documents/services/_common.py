"""Helpers shared by the documents services: who may write, the tenant's limits and usage."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Coalesce

from django.core.exceptions import ValidationError

from dangan.accounts import roles
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from .. import errors
from ..models import DocumentVersion, UploadState

MB = 1024 * 1024


def require_configurer(actor) -> None:
    """Document types, checklists and locations are the custodians' and administrators' to change."""
    if not (roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN)):
        raise ApplicationError(errors.CONFIG_FORBIDDEN)


def require_writer(actor) -> None:
    """Auditors read; they do not add to the files they audit."""
    names = roles.role_names(actor)
    if names and names <= {roles.AUDITOR} and not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.FORBIDDEN)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    quota_bytes: int


def current_limits() -> Limits:
    """The tenant's plan caps its storage; one file may use at most the platform cap and never
    more than the whole quota."""
    from dangan.tenants.models import Tenant

    plan = Tenant.objects.select_related("plan").get(schema_name=connection.schema_name).plan
    quota = plan.max_storage_mb * MB
    return Limits(max_file_bytes=min(settings.DOCUMENTS_MAX_FILE_MB * MB, quota), quota_bytes=quota)


# Versions on their way in reserve their declared size, so parallel uploads cannot together
# overrun the quota; rejected versions hold nothing (their objects are deleted).
_COUNTED = (UploadState.PENDING, UploadState.UPLOADED, UploadState.VERIFIED, UploadState.AVAILABLE)


def storage_used() -> int:
    return DocumentVersion.objects.filter(upload_state__in=_COUNTED).aggregate(
        used=Coalesce(Sum(Coalesce("size", "declared_size")), 0))["used"]


def _lock_quota() -> None:
    # One transaction-scoped lock per company: quota checks of parallel uploads run one at a time.
    digest = hashlib.sha256(f"{connection.schema_name}\0documents-quota".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])


def check_room_for(size: int, *, limits: Limits | None = None) -> Limits:
    """Refuse a file of `size` bytes that is too large or would overrun the quota. Call inside
    the transaction that records the upload: the lock holds until it commits."""
    limits = limits or current_limits()
    if size > limits.max_file_bytes:
        raise ApplicationError(errors.FILE_TOO_LARGE, field="size", limit_mb=limits.max_file_bytes // MB)
    _lock_quota()
    used = storage_used()
    if used + size > limits.quota_bytes:
        raise ApplicationError(errors.STORAGE_QUOTA_EXCEEDED, field="size", quota_mb=limits.quota_bytes // MB,
                               used_mb=round(used / MB, 1), size_mb=round(size / MB, 1))
    return limits


def clean(instance, *, exclude: list[str] | None = None) -> None:
    """`full_clean()` with Django's ValidationError answered as our 400 validation_failed."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = {name: [{"code": "invalid", "message": {"zh-hans": str(message), "en": str(message)}}
                         for message in messages]
                  for name, messages in exc.message_dict.items()}
        raise ApplicationError(platform_errors.VALIDATION_FAILED, fields=fields) from None
