"""gunicorn under a bench: starting and stopping it, and the CPU its workers spend (from /proc)."""
from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import string
import subprocess
import sys
import time
from pathlib import Path

from .runner import REPO_ROOT


# What deploy/gunicorn.conf.py runs: gunicorn's threaded worker that accepts only with a thread free.
WORKER_CLASS = "dangan.platform.gunicorn_worker.BalancedThreadWorker"


def start_gunicorn(app: str, port: int, *, workers: int, threads: int, env: dict | None = None,
                   timeout: int = 120, worker_class: str = WORKER_CLASS) -> subprocess.Popen:
    """gunicorn (threaded workers, production settings) serving `app` on 127.0.0.1:`port`, once /healthz answers."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangan.platform.settings.production",
           "DJANGO_SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50)),
           "DJANGO_SECURE_SSL_REDIRECT": "false", "DATABASE_CONN_MAX_AGE": "60", "DANGAN_LOG_LEVEL": "WARNING",
           **(env or {})}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--worker-class", worker_class, "--log-level", "warning", "--timeout", str(timeout)],
        cwd=REPO_ROOT, env=env, stdout=sys.stderr, stderr=sys.stderr)
    deadline = time.monotonic() + 60
    while server.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"gunicorn ({app}) did not start")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _proc_stat(pid) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # fields from the 3rd on


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU time of each process of `pids` still alive, from /proc."""
    result = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = _proc_stat(pid)
            result[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return result


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError, IndexError):
            if entry.isdigit() and int(_proc_stat(entry)[1]) == pid:
                found.append(int(entry))
    return found


def machine_cpu_ticks() -> tuple[int, int]:
    """(idle, total) CPU ticks of the whole machine since boot, from /proc/stat: the share of
    idle ticks between two readings tells whether a phase kept both cores busy or waited."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return idle, sum(fields[:8])  # guest time is counted inside user already


def idle_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total else 0.0
