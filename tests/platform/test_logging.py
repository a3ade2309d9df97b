"""Log lines of a request carry its request id and the tenant's schema, rendered by the
project's own formatter in both output formats (console for people, JSON for collectors)."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.test import Client

from dangan.platform.logging import formatter_factory

SAFE_ID = "req-42.abc_DEF"
MADE_ID = re.compile(r"[0-9a-f]{32}")


class _Output:
    """A handler like the production one (a stream + our formatter), attached to the request
    logger and to Django's own, so each line is rendered while the request's context is live."""

    LOGGERS = ("dangan.request", "django.request")

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter_factory(fmt))
        self._levels: dict[str, int] = {}

    def __enter__(self) -> "_Output":
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.INFO)  # tests run with the root logger at WARNING
            logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc) -> None:
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            logger.removeHandler(self.handler)
            logger.setLevel(self._levels[name])

    def lines(self) -> list[str]:
        return [line for line in self.stream.getvalue().splitlines() if line.strip()]

    def records(self) -> list[dict]:
        """JSON output parsed; console output reduced to the key=value pairs it shows."""
        if self.fmt == "json":
            return [json.loads(line) for line in self.lines()]
        return [dict(re.findall(r"(\w+)=(\S+)", line)) | {"_line": line} for line in self.lines()]


@pytest.fixture(params=["console", "json"])
def log_output(request):
    with _Output(request.param) as output:
        yield output


def _request_line(output: _Output) -> dict:
    lines = [fields for fields in output.records()
             if fields.get("logger") == "dangan.request" or "[dangan.request]" in fields.get("_line", "")]
    assert len(lines) == 1, output.lines()
    return lines[0]


def test_request_line_carries_request_id_and_tenant_schema(make_tenant, tenant_client, log_output):
    tenant = make_tenant()
    response = tenant_client(tenant).get("/accounts/login/", HTTP_X_REQUEST_ID=SAFE_ID)
    assert response.status_code == 200
    assert response["X-Request-ID"] == SAFE_ID

    fields = _request_line(log_output)
    assert fields["request_id"] == SAFE_ID
    assert fields["tenant"] == tenant.schema_name
    assert str(fields["status"]) == "200" and fields["path"] == "/accounts/login/"
    if log_output.fmt == "json":
        assert fields["event"] == "request" and fields["level"] == "info"
        assert fields["timestamp"].endswith("Z")
    else:
        assert "[info" in fields["_line"] and "[dangan.request]" in fields["_line"]


def test_request_id_is_made_when_the_client_sends_none(make_tenant, tenant_client, log_output):
    tenant = make_tenant()
    made = tenant_client(tenant).get("/accounts/login/")["X-Request-ID"]
    assert MADE_ID.fullmatch(made)
    assert _request_line(log_output)["request_id"] == made


@pytest.mark.parametrize("unsafe", [
    "abc def",  # space
    "x" * 65,  # too long
    "id\nforged=1",  # would start a forged second log line
    "abc\n",  # a trailing newline slips past a `$` anchor, and a header cannot carry it
    "<script>",
    "认证",
])
def test_unsafe_request_id_is_replaced(make_tenant, tenant_client, log_output, unsafe):
    tenant = make_tenant()
    response = tenant_client(tenant).get("/accounts/login/", HTTP_X_REQUEST_ID=unsafe)
    assert response.status_code == 200
    replaced = response["X-Request-ID"]
    assert replaced != unsafe and MADE_ID.fullmatch(replaced)
    fields = _request_line(log_output)
    assert fields["request_id"] == replaced
    assert fields["tenant"] == tenant.schema_name
    assert "forged" not in log_output.stream.getvalue()


def test_public_host_lines_name_the_public_schema(db, public_client, log_output):
    assert public_client.get("/signup/", HTTP_X_REQUEST_ID="pub-1").status_code == 200
    fields = _request_line(log_output)
    assert fields["request_id"] == "pub-1" and fields["tenant"] == "public"


def test_djangos_own_lines_carry_the_request_context(make_tenant, tenant_client, log_output):
    tenant = make_tenant()
    response = tenant_client(tenant).get("/no-such-page/", HTTP_X_REQUEST_ID="nf-1")
    assert response.status_code == 404
    warnings = [fields for fields in log_output.records() if "Not Found" in json.dumps(fields, ensure_ascii=False)]
    assert len(warnings) == 1, log_output.lines()
    assert warnings[0]["request_id"] == "nf-1" and warnings[0]["tenant"] == tenant.schema_name


def test_unknown_host_line_still_carries_the_request_id(db, log_output):
    response = Client(HTTP_HOST="no-such-company.localhost").get("/", HTTP_X_REQUEST_ID="lost-1")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lost-1"
    fields = _request_line(log_output)
    assert fields["request_id"] == "lost-1" and str(fields["status"]) == "404"


def test_request_context_does_not_leak_into_later_lines(make_tenant, tenant_client, log_output):
    from dangan.platform.logging import get_logger

    tenant = make_tenant()
    tenant_client(tenant).get("/accounts/login/", HTTP_X_REQUEST_ID="first-request")
    get_logger("dangan.request").info("after_the_request")
    after = log_output.lines()[-1]
    assert "after_the_request" in after
    assert "first-request" not in after and tenant.schema_name not in after


@pytest.mark.parametrize("source", ["stdlib", "structlog"])
def test_errors_keep_their_traceback_and_context(log_output, source):
    import structlog

    from dangan.platform.logging import get_logger

    # Django reports a 500 through the standard library ("django.request"); our code via structlog.
    logger = logging.getLogger("django.request") if source == "stdlib" else get_logger("dangan.request")
    structlog.contextvars.bind_contextvars(request_id="err-1", tenant="t_demo")
    try:
        try:
            raise ValueError("档案 missing")
        except ValueError:
            logger.exception("Internal Server Error")
    finally:
        structlog.contextvars.clear_contextvars()
    text = log_output.stream.getvalue()
    assert "Traceback (most recent call last)" in text and "ValueError: 档案 missing" in text
    assert "<traceback object" not in text
    if log_output.fmt == "json":
        [fields] = log_output.records()
        assert fields["request_id"] == "err-1" and fields["tenant"] == "t_demo"
        assert fields["exception"].endswith("ValueError: 档案 missing")
    else:
        assert "request_id=err-1" in text and "tenant=t_demo" in text
