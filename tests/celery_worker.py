"""A real `celery worker` process for the tests that need one (tasks, imports, the browser's
uploads): on this test process's broker queue, bucket and test database.

Whatever the worker reads must be committed (the `committed` fixture) for its own connection to
see it. One worker at a time per queue: the tests count on a solo worker taking its messages in
order, so a fixture holding one stops it (and empties the queue) before another starts.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from dangan.platform.celery_app import app

READY_TIMEOUT = 90  # seconds to answer a ping; a loaded 2-core CI machine needs a good part of it
LOG_TAIL_CHARS = 4000


def database_url_for(settings_dict: dict) -> str:
    """DATABASE_URL naming the database of `settings_dict`, for a process started by a test."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def purge(queue: str) -> None:
    # A run that crashed may have left messages for databases that no longer exist.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


@contextmanager
def running_worker(log_dir: Path, *, node_prefix: str = "",
                   env_extra: dict[str, str] | None = None) -> Iterator[dict]:
    """A solo `celery worker` on the default queue, answering pings, for the length of the block;
    then a warm shutdown (it finishes the task at hand) and the queue emptied. A block may kill
    the worker itself (`process`): the shutdown then only empties the queue.

    Yields {"node", "queue", "process", "log", "log_tail"}: `log_tail()` is the end of the
    worker's log, for failure messages. Node names carry `node_prefix` and this process's id, so
    workers of parallel pytest processes (xdist) never answer each other's pings; the log file is
    named after `node_prefix` too, so successive workers of one test keep their own logs.
    `env_extra`: more environment for the worker (fault injection settings, say).
    """
    name = connection.settings_dict["NAME"]
    # Never hand a worker the development database: what the tests make there would stay.
    assert name.startswith("test_"), f"refusing to start a worker on the non-test database {name!r}"
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    node = f"{node_prefix}{queue}-{os.getpid()}@{socket.gethostname()}"
    env = dict(os.environ, DATABASE_URL=database_url_for(connection.settings_dict),
               DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE, PYTHONUNBUFFERED="1", **(env_extra or {}))
    log_path = Path(log_dir) / f"{node_prefix}worker.log"

    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]

    purge(queue)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dangan.platform.celery_app", "worker",
             "--pool=solo", "-Q", queue, "-n", node, "-l", "INFO",
             # One worker, nothing to synchronise with: skip the start-up handshakes.
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, cwd=os.getcwd(), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not app.control.ping(destination=[node], timeout=1.0):
            if process.poll() is not None:
                pytest.fail(f"celery worker {node} exited with {process.returncode}:\n{log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"celery worker {node} did not answer a ping in {READY_TIMEOUT} s:\n{log_tail()}")
        yield {"node": node, "queue": queue, "process": process, "log": log_path, "log_tail": log_tail}
    finally:
        process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task at hand
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        purge(queue)
