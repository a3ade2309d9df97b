"""Running a bench: log lines on stderr, re-running under the embedded services, summaries."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[2]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def reexec_under_devservices(script: str, extra_env: dict | None = None) -> int:
    """Run `script` (with this process's arguments) again inside `python -m dangan.platform.devservices
    exec`, which starts PostgreSQL, the S3 server and the broker and sets their URLs."""
    command = [sys.executable, "-m", "dangan.platform.devservices", "exec", "--",
               sys.executable, str(Path(script).resolve()), *sys.argv[1:]]
    return subprocess.call(command, cwd=REPO_ROOT, env={**os.environ, **postgres_memory(), **(extra_env or {})})


def postgres_memory() -> dict:
    """The embedded PostgreSQL's shared_buffers for a bench: a quarter of this machine's memory, at
    most 2 GB, as a production server would be given (128MB, the default, holds little of a
    million files: every timing would follow what page cache the host leaves). An explicit
    DANGAN_PG_SHARED_BUFFERS wins; the benches record the value in force (`pg_shared_buffers`)."""
    from dangan.platform.devservices.postgres import SHARED_BUFFERS_VARIABLE

    if os.environ.get(SHARED_BUFFERS_VARIABLE):
        return {}
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return {SHARED_BUFFERS_VARIABLE: f"{max(128, min(2048, memory_mb // 4))}MB"}


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def machine_speed() -> dict:
    """How fast this machine is right now, on one core: the same machine kind has measured 2-3x
    apart between days (shared hosts), so figures of different runs compare only through these.
    `python_mops_per_s`: millions of iterations a second of a fixed pure-Python loop (the
    interpreter's speed, which request and import CPU follow); `sha256_mb_per_s`: C code and
    memory. Best of five short rounds, so a moment's interruption does not count."""
    import hashlib

    def loop() -> float:
        start = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number & 7
        return 1.0 / (time.perf_counter() - start)

    def digest(data=bytes(16 * 1024 * 1024)) -> float:
        start = time.perf_counter()
        hashlib.sha256(data).digest()
        return 16 / (time.perf_counter() - start)

    return {"python_mops_per_s": round(max(loop() for _ in range(5)), 1),
            "sha256_mb_per_s": round(max(digest() for _ in range(5)))}


def p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20, method="inclusive")[-1], 2)


def summary(name: str, samples: list[float]) -> dict:
    return {f"{name}_p95_ms": p95(samples), f"{name}_p50_ms": round(statistics.median(samples), 2)}


def run_on_kept_cluster(script: str, data_dir: Path) -> int:
    """A PostgreSQL whose data folder (`data_dir`) outlives the run, and `script` re-run against it
    under the other embedded services."""
    from dangan.platform.devservices.postgres import EmbeddedPostgres
    from dangan.platform.devservices.services import free_port

    os.environ.update(postgres_memory())
    server = EmbeddedPostgres(data_dir, free_port(), ephemeral=True)  # fsync off: re-creatable data
    server.start()
    log(f"kept PostgreSQL in {server.data_dir} on port {server.port}")
    try:
        return reexec_under_devservices(script, {"DATABASE_URL": server.url})
    finally:
        server.stop()


def setup_django(database: str, *, keep: bool) -> float:
    """Django (test settings unless set) on a database of the bench's own, created here, or
    reused when `keep`; returns the seconds creating and migrating it took."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.platform.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = database
    start = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)
    return time.perf_counter() - start


def database_url() -> str:
    """DATABASE_URL naming the bench database (for gunicorn and psycopg)."""
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
