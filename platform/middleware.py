"""Request id: accepted from the client (X-Request-ID) or made here, echoed back, and bound to
every log line of the request together with the tenant schema."""
from __future__ import annotations

import re
import time
import uuid

import structlog

log = structlog.get_logger("dangan.request")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, tenant="-")
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            log.info("request", method=request.method, path=request.path, status=response.status_code,
                     ms=round((time.perf_counter() - started) * 1000, 1))
        finally:
            structlog.contextvars.clear_contextvars()
        response["X-Request-ID"] = request_id
        return response
