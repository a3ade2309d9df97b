"""Waiting in tests for something another process does."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest


def wait_for(condition: Callable, what: str, *, timeout: float, interval: float = 0.2,
             log_path: Path | None = None):
    """`condition()`'s first true value, polled every `interval` seconds; the test fails after
    `timeout` seconds, with the tail of `log_path` (a worker's log, say) when given."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    detail = f"; log:\n{log_path.read_text(errors='replace')[-3000:]}" if log_path else ""
    pytest.fail(f"timed out after {timeout} s waiting for {what}{detail}")
