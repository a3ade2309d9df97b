"""Writes of the API infrastructure: API keys and idempotency records."""
from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangan.governance.services.audit import audit_record
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from . import errors, selectors
from .models import ApiKey, IdempotencyRecord

KEY_PREFIX = "dgn"
# Prefixes are lookup handles, not secrets: 36^8 ≈ 2.8e12 values make collisions rare, and a
# collision only costs a retry. No "_" in the alphabet, so the key splits unambiguously.
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_PREFIX_LENGTH = 8
# 32 random bytes = 256 bits: unguessable, so a fast hash is as good as a slow one (models.py).
_SECRET_BYTES = 32
# Recording every use would write a row per request; a minute's precision is enough to see
# which keys are alive.
_LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _require_admin(actor) -> None:
    if not selectors.user_is_tenant_admin(actor):
        raise ApplicationError(platform_errors.PERMISSION_DENIED)


def _normalize_scopes(scopes) -> list[str]:
    allowed = set(ApiKey.Scope.values)
    chosen = {str(scope).strip().lower() for scope in (scopes or [])}
    if not chosen or not chosen <= allowed:
        raise ApplicationError(errors.API_KEY_SCOPES_INVALID, field="scopes")
    if ApiKey.Scope.WRITE in chosen:
        chosen.add(ApiKey.Scope.READ)  # write implies read, stored explicitly for readers of the row
    return sorted(chosen)


@transaction.atomic
def api_key_create(*, actor, name: str, scopes, expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """Issue a key for the company; only administrators may. Returns the key and its plaintext,
    which is never stored and cannot be shown again."""
    _require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(errors.API_KEY_NAME_REQUIRED, field="name")
    scopes = _normalize_scopes(scopes)
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(errors.API_KEY_EXPIRY_PAST, field="expires_at")
    for attempt in range(5):
        prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(_PREFIX_LENGTH))
        plaintext = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
        api_key = ApiKey(name=name[:100], prefix=prefix, hashed_key=hash_key(plaintext), scopes=scopes,
                         created_by=actor, expires_at=expires_at)
        api_key.full_clean()
        try:
            with transaction.atomic():  # a savepoint: a prefix collision must not poison the transaction
                api_key.save(force_insert=True)
        except IntegrityError:
            if attempt == 4:
                raise
            continue
        # In the company's audit chain like every other write; the secret never is, its prefix is.
        audit_record(actor=actor, action="api_key.create", obj=api_key,
                     summary={"name": api_key.name, "prefix": api_key.prefix, "scopes": scopes,
                              "expires_at": expires_at})
        return api_key, plaintext
    raise AssertionError("unreachable")


@transaction.atomic
def api_key_revoke(*, actor, api_key: ApiKey, expected_version: int | None = None) -> ApiKey:
    """Revoke a key for good (administrators only). With `expected_version` (from If-Match),
    a key changed since the caller read it is refused with `precondition_failed`."""
    _require_admin(actor)
    if api_key.revoked_at is not None:
        raise ApplicationError(errors.API_KEY_ALREADY_REVOKED)
    if not api_key.bump_version(expected_version=expected_version, revoked_at=timezone.now(), revoked_by=actor):
        # The row moved on: either a concurrent revoke won, or the caller's copy is stale.
        current = ApiKey.objects.filter(pk=api_key.pk).first()
        if current is not None and current.revoked_at is not None:
            raise ApplicationError(errors.API_KEY_ALREADY_REVOKED)
        raise ApplicationError(errors.PRECONDITION_FAILED)
    audit_record(actor=actor, action="api_key.revoke", obj=api_key, summary={"name": api_key.name,
                                                                          "prefix": api_key.prefix})
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record that a key was used, at most once a minute per key (one conditional UPDATE)."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < _LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(pk=api_key.pk).exclude(last_used_at__gte=now - _LAST_USED_PRECISION).update(
        last_used_at=now)
    api_key.last_used_at = now


def idempotency_record_store(*, identity: str, key: str, method: str, path: str, request_sha256: str,
                             response_status: int, response_body: bytes, response_headers: dict) -> IdempotencyRecord:
    """Keep a successful write's response for replay. The caller holds the key's advisory lock
    and its transaction also holds the write itself: both commit or neither does."""
    # An expired record of the same key may still be there until the purge runs.
    IdempotencyRecord.objects.filter(identity=identity, key=key).delete()
    return IdempotencyRecord.objects.create(
        identity=identity, key=key, method=method, path=path, request_sha256=request_sha256,
        response_status=response_status, response_body=response_body, response_headers=response_headers)


@transaction.atomic
def idempotency_records_purge(*, older_than: timedelta = selectors.IDEMPOTENCY_TTL) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lte=timezone.now() - older_than).delete()
    return deleted
