"""Timing requests over persistent HTTP/1.1 connections, as a real client would make them."""
from __future__ import annotations

import http.client
import itertools
import json
import time


class Client:
    """One persistent HTTP/1.1 connection to a local server, authenticated by a DRF token."""

    def __init__(self, port: int, host: str, token: str, *, timeout: float = 120) -> None:
        self.port, self.timeout = port, timeout
        self.headers = {"Host": host, "Authorization": f"Token {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, bytes, float]:
        """(status, body, milliseconds) of one request."""
        headers = {**self.headers, **(headers or {})}
        for attempt in range(2):
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data, (time.perf_counter() - start) * 1000
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionError):
                # gunicorn closed an idle keep-alive connection: reconnect and time the retry only
                # (a streamed body cannot be sent twice)
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt or (body is not None and not isinstance(body, (bytes, str))):
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes, float]:
        return self.request("GET", path)

    def json(self, path: str) -> dict:
        status, body, _ = self.get(path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)

    def close(self) -> None:
        self.conn.close()


def timed_requests(client: Client, paths: list[str], warmup: int, alongside: tuple | None = None):
    """Time paths[warmup:] after requesting paths[:warmup] untimed. With `alongside` = (client,
    paths, warmup) those requests alternate with ours (same moment, same machine load), and both
    sample lists are returned."""
    other, other_paths, other_warmup = alongside or (None, [], 0)
    for target, path in [(client, p) for p in paths[:warmup]] + [(other, p) for p in other_paths[:other_warmup]]:
        target.get(path)
    ours, theirs = [], []
    for path, other_path in itertools.zip_longest(paths[warmup:], other_paths[other_warmup:]):
        for target, into, requested in ((client, ours, path), (other, theirs, other_path)):
            if requested is not None:
                status, body, elapsed = target.get(requested)
                if status != 200:
                    raise AssertionError(f"GET {requested}: {status} {body[:300]!r}")
                into.append(elapsed)
    return (ours, theirs) if alongside else ours
