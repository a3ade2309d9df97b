"""Idempotent writes: a client that sends `Idempotency-Key: <its own unique value>` with a
POST/PUT/PATCH/DELETE may retry it safely — after a timeout, a dropped connection, a crash —
and the write happens at most once.

How (per company schema, per caller):
- A transaction-scoped PostgreSQL advisory lock on (schema, caller, key) is taken first. A
  second request with the same key while the first runs cannot take it and gets 409
  `idempotency_in_progress`; the lock dies with the transaction, so a crashed request never
  leaves a key stuck.
- Under the lock, a stored outcome for the key is looked up. Same method, path and body hash:
  its response is replayed (`Idempotent-Replayed: true`) and the handler does not run.
  Anything else: 422 `idempotency_key_reused`.
- Otherwise the handler runs *inside the same transaction* as the record of its outcome, so
  the write and its record commit together or not at all: no window in which the write is done
  but a retry would not know.
- Only successful (< 400) outcomes are kept. A 4xx/5xx outcome is rolled back and forgotten, so
  the client can fix the request and retry with the same key.

Streaming responses cannot be kept: such a write commits without a record and a retry runs
it again (none of our writes streams today). Records live 24 hours (`selectors.IDEMPOTENCY_TTL`); `integrations.purge_idempotency_records`
removes older ones. The header is ignored for anonymous requests: with no caller to scope
the key to, one client could replay another's response.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re

from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpResponse, RawPostDataException
from django_tenants.utils import get_public_schema_name
from rest_framework.response import Response

from dangan.platform.errors import ApplicationError

from . import errors, selectors, services
from .models import ApiKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII (the IETF draft's sf-string characters); a UUID fits with room to spare.
_VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")
# The response headers a replay must repeat; the rest (dates, request ids) belong to each answer.
_KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Last-Modified", "Content-Language")


def _applies(request) -> bool:
    return (getattr(request.user, "is_authenticated", False)
            and connection.schema_name != get_public_schema_name())


def _identity(request) -> str:
    if isinstance(request.auth, ApiKey):
        return f"api_key:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _lock_id(identity: str, key: str) -> int:
    # Advisory locks are database-wide, so the schema is part of the name.
    digest = hashlib.sha256(f"{connection.schema_name}\0{identity}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _try_lock(identity: str, key: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(identity, key)])
        return bool(cursor.fetchone()[0])


def _parsed_sha256(request) -> str:
    """Fallback when the raw body is gone (multipart parsed already) or too large to hold."""
    digest = hashlib.sha256(b"parsed\0")
    data = request.data
    items = data.lists() if hasattr(data, "lists") else (data.items() if isinstance(data, dict) else [("", data)])
    plain = {str(k): v for k, v in items if k not in request.FILES}
    digest.update(json.dumps(plain, sort_keys=True, default=str).encode())
    for field in sorted(request.FILES):
        for upload in request.FILES.getlist(field):
            digest.update(f"\0{field}\0{upload.name}\0{upload.size}\0".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def request_sha256(request) -> str:
    django_request = getattr(request, "_request", request)
    try:
        return hashlib.sha256(django_request.body).hexdigest()
    except (RawPostDataException, RequestDataTooBig):
        return _parsed_sha256(request)


def _stored_body(view, response) -> bytes:
    """What a replay will send. Fields named in `idempotency_redacted_fields` are blanked:
    secrets shown once (a new API key) must not sit in this table for a day."""
    redacted = getattr(view, "idempotency_redacted_fields", ())
    if redacted and isinstance(response, Response) and isinstance(response.data, dict):
        data = {name: (None if name in redacted else value) for name, value in response.data.items()}
        body = response.accepted_renderer.render(data, response.accepted_media_type, response.renderer_context)
        return body.encode(response.charset or "utf-8") if isinstance(body, str) else bytes(body)
    return bytes(response.content)


def _replay(record) -> HttpResponse:
    headers = dict(record.response_headers)
    response = HttpResponse(bytes(record.response_body), status=record.response_status,
                            content_type=headers.pop("Content-Type", None))
    for name, value in headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(handler):
    """Make one APIView handler honour `Idempotency-Key` (IdempotentMixin applies this)."""
    if getattr(handler, "idempotent", False):
        return handler

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not _applies(request):
            return handler(self, request, *args, **kwargs)
        if not _VALID_KEY.fullmatch(key):
            raise ApplicationError(errors.IDEMPOTENCY_KEY_INVALID)
        identity = _identity(request)
        body_sha256 = getattr(self, "_idempotency_request_sha256", None) or request_sha256(request)
        fingerprint = (request.method, request.get_full_path(), body_sha256)
        with transaction.atomic():
            if not _try_lock(identity, key):
                raise ApplicationError(errors.IDEMPOTENCY_IN_PROGRESS)
            record = selectors.idempotency_record_find(identity=identity, key=key)
            if record is not None:
                if (record.method, record.path, record.request_sha256) != fingerprint:
                    raise ApplicationError(errors.IDEMPOTENCY_KEY_REUSED)
                return _replay(record)
            response = handler(self, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)  # a refused request leaves nothing a retry could duplicate
                return response
            if getattr(response, "streaming", False):
                return response  # cannot be kept (module doc)
            # Render now (DRF would do it after dispatch) so the stored bytes are the sent bytes.
            response = self.finalize_response(request, response, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            services.idempotency_record_store(
                identity=identity, key=key, method=fingerprint[0], path=fingerprint[1],
                request_sha256=body_sha256, response_status=response.status_code,
                response_body=_stored_body(self, response),
                response_headers={name: response[name] for name in _KEPT_HEADERS if response.has_header(name)})
            return response

    wrapper.idempotent = True
    wrapper.idempotent_inner = handler
    return wrapper


# Mix into an APIView: its own post/put/patch/delete honour `Idempotency-Key` (module doc).
# Set `idempotency_redacted_fields` to blank top-level response fields in the stored copy
# (secrets that are shown once); document the header with `openapi.IDEMPOTENCY_KEY`.
# (A comment, not a docstring: drf-spectacular would show it as every such view's description.)
class IdempotentMixin:

    idempotent_methods = ("post", "put", "patch", "delete")
    idempotency_redacted_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.idempotent_methods:
            handler = cls.__dict__.get(name)
            if handler is not None:
                setattr(cls, name, idempotent(handler))

    def initial(self, request, *args, **kwargs):
        # Hash the raw body before authentication can consume it: SessionAuthentication's CSRF
        # check parses form and multipart bodies, after which the raw bytes are gone.
        if request.method.lower() in self.idempotent_methods and HEADER in request.headers:
            try:
                self._idempotency_request_sha256 = hashlib.sha256(request._request.body).hexdigest()
            except (RawPostDataException, RequestDataTooBig):
                pass  # the handler wrapper hashes the parsed data instead
        super().initial(request, *args, **kwargs)
