"""structlog over the standard library: one formatter for every logger (ours, Django's, Celery's).

Context variables (request id, tenant schema, task id) are merged into every record, so a line
of log can always be traced to its tenant.
"""
from __future__ import annotations

import logging

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _configure_structlog() -> None:
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter_factory(fmt: str = "console") -> logging.Formatter:
    _configure_structlog()
    if fmt == "json":
        # The JSON renderer knows nothing of exc_info: without format_exc_info a 500's traceback
        # would come out as the repr of a (type, value, <traceback object>) tuple.
        renderers = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer(ensure_ascii=False)]
    else:
        renderers = [structlog.dev.ConsoleRenderer(colors=False)]  # prints tracebacks itself
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
    )


def get_logger(name: str):
    _configure_structlog()
    return structlog.get_logger(name)
