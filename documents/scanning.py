"""Virus scanning through clamd's INSTREAM command (TCP or UNIX socket), when configured.

Fail closed: anything but a clear "OK" from the scanner — unreachable, timed out, size or
recursion limit exceeded, an unexpected answer — keeps the file out of "available".
"""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Iterable

from django.conf import settings

# clamd's StreamMaxLength defaults to 25 MB; chunks are framed with a 4-byte length.
CHUNK = 1024 * 1024


class ScannerUnavailable(Exception):
    """The scanner could not give a verdict; the file must wait (fail closed)."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""
    limit_exceeded: bool = False


def configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _connect() -> socket.socket:
    timeout = settings.CLAMD_TIMEOUT_SECONDS
    try:
        if settings.CLAMD_SOCKET:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(settings.CLAMD_SOCKET)
            return sock
        return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=timeout)
    except OSError as exc:
        raise ScannerUnavailable(f"clamd unreachable: {exc}") from exc


def scan_stream(chunks: Iterable[bytes]) -> Verdict:
    sock = _connect()
    try:
        sock.sendall(b"zINSTREAM\0")
        for chunk in chunks:
            for start in range(0, len(chunk), CHUNK):
                piece = chunk[start:start + CHUNK]
                sock.sendall(struct.pack("!L", len(piece)) + piece)
        sock.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            data = sock.recv(4096)
            if not data:
                break
            reply += data
    except OSError as exc:
        # clamd closes the connection when a stream passes StreamMaxLength
        raise ScannerUnavailable(f"clamd failed mid-scan: {exc}") from exc
    finally:
        sock.close()
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith(" OK") or answer == "stream: OK":
        return Verdict(clean=True)
    if answer.endswith(" FOUND"):
        signature = answer.split(":", 1)[-1].rsplit(" FOUND", 1)[0].strip()
        return Verdict(clean=False, signature=signature[:200])
    if "limit" in answer.lower() or "exceeded" in answer.lower():
        return Verdict(clean=False, signature=answer[:200], limit_exceeded=True)
    raise ScannerUnavailable(f"unexpected clamd answer: {answer[:200]!r}")
