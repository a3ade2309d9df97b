"""Request id: accepted from the client (X-Request-ID) or made here, echoed back, and bound to
every log line of the request together with the tenant schema."""
from __future__ import annotations

import re
import time
import uuid

import structlog
from django.core.signals import request_finished

from dangan.platform.logging import get_logger

log = get_logger("dangan.request")

# fullmatch, not `$`: "abc\n" would pass a `$` anchor, forge a log line and make setting the
# response header fail (Django refuses newlines in header values).
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _clear_request_context(**kwargs) -> None:
    structlog.contextvars.clear_contextvars()


# The context stays bound until the response is finished, not just until this middleware
# returns: Django logs 4xx/5xx responses ("Not Found: /x") after the whole middleware chain,
# and a streaming response logs while it is being sent.
request_finished.connect(_clear_request_context, dispatch_uid="dangan.clear_request_context")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Cleared here too: whatever a previous request or task left in this thread is not ours.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, tenant="-")
        started = time.perf_counter()
        response = self.get_response(request)
        log.info("request", method=request.method, path=request.path, status=response.status_code,
                 ms=round((time.perf_counter() - started) * 1000, 1))
        response["X-Request-ID"] = request_id
        return response
