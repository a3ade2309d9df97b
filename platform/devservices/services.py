"""Start the services Dangan needs, reusing real ones named in the environment.

Each embedded default is replaced by a real server when its variable is set:
`DATABASE_URL` (PostgreSQL), `S3_ENDPOINT_URL` (+ keys and bucket), `CELERY_BROKER_URL`.
Only what is missing is started. The result is a set of environment variables that every
process we launch (web, worker, beat, pytest, benches) inherits.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from .postgres import EmbeddedPostgres
from .s3 import RcloneS3

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VAR_DIR = REPO_ROOT / "var"
# kombu's filesystem transport ignores the host, but without one kombu logs "No hostname was
# supplied" as a warning for every new broker connection (web and worker logs alike).
EMBEDDED_BROKER_URL = "filesystem://localhost//"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Services:
    """The embedded services of one run.

    ephemeral=True (tests, benches) puts everything in a fresh folder on free ports and removes
    it afterwards, so several suites can run side by side; otherwise data lives in `var/` on
    fixed ports and survives restarts (`make run`).
    """

    var_dir: Path
    ephemeral: bool = False
    pg_port: int = 54329
    s3_port: int = 9100
    postgres: EmbeddedPostgres | None = None
    s3: RcloneS3 | None = None
    env: dict[str, str] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)

    def start(self) -> dict[str, str]:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        env = self.env
        if not os.environ.get("DATABASE_URL"):
            port = free_port() if self.ephemeral else self.pg_port
            self.postgres = EmbeddedPostgres(self.var_dir / "postgres", port, ephemeral=self.ephemeral)
            self.postgres.start()
            env["DATABASE_URL"] = self.postgres.url
            self.started.append(f"PostgreSQL (embedded) on 127.0.0.1:{port}")
        if not os.environ.get("S3_ENDPOINT_URL"):
            port = free_port() if self.ephemeral else self.s3_port
            self.s3 = RcloneS3(self.var_dir / "s3" / "data", port,
                               allow_origin=os.environ.get("DANGAN_S3_ALLOW_ORIGIN", "*"))
            self.s3.start()
            if not self.s3.allow_origin:
                env["DANGAN_WEB_DIRECT_UPLOAD"] = "false"
            env.update(
                S3_ENDPOINT_URL=self.s3.endpoint,
                S3_ACCESS_KEY_ID=self.s3.access_key,
                S3_SECRET_ACCESS_KEY=self.s3.secret_key,
                S3_BUCKET=os.environ.get("S3_BUCKET", "dangan"),
            )
            self.started.append(f"S3 API (rclone serve s3) on {self.s3.endpoint}, data in {self.s3.root}")
        if not os.environ.get("CELERY_BROKER_URL"):
            broker_dir = self.var_dir / "broker"
            for sub in ("queue", "processed", "control"):
                (broker_dir / sub).mkdir(parents=True, exist_ok=True)
            env["CELERY_BROKER_URL"] = EMBEDDED_BROKER_URL
            env["CELERY_BROKER_FOLDER"] = str(broker_dir)
            self.started.append(f"Celery broker (kombu filesystem transport) in {broker_dir}")
        # Decided on its own variable, not the broker's: a result backend named in the environment
        # (Redis …) is kept, and a real broker without one still gets results (the tests wait on them).
        if not os.environ.get("CELERY_RESULT_BACKEND"):
            results_dir = self.var_dir / "celery-results"
            results_dir.mkdir(exist_ok=True)
            env["CELERY_RESULT_BACKEND"] = f"file://{results_dir}"
        env["DANGAN_VAR_DIR"] = str(self.var_dir)
        return env

    def stop(self) -> None:
        if self.s3:
            self.s3.stop()
        if self.postgres:
            if self.ephemeral:
                self.postgres.destroy()
            else:
                self.postgres.stop()
        if self.ephemeral:
            import shutil

            shutil.rmtree(self.var_dir, ignore_errors=True)
