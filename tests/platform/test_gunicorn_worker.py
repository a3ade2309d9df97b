"""platform/gunicorn_worker.py: a worker takes a connection only with a thread to spare."""
import collections
import http.client
import os
import selectors
import socket
import subprocess
import sys
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from dangan.platform.gunicorn_worker import BalancedThreadWorker

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    """A worker's accept state without a process around it: one real listening socket and poller."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    worker = BalancedThreadWorker.__new__(BalancedThreadWorker)
    worker.cfg = SimpleNamespace(threads=2)
    worker.sockets, worker.poller, worker.alive = [listener], selectors.DefaultSelector(), True
    worker.nr_conns, worker.worker_connections, worker._accepting = 0, 1000, False
    worker.keepalived_conns, worker.pending_conns = deque(), deque()
    yield worker
    worker.poller.close()
    listener.close()


def listening(worker) -> bool:
    return worker.sockets[0] in {key.fileobj for key in worker.poller.get_map().values()}


def test_accepts_while_a_thread_is_free(worker):
    worker.nr_conns = 1
    worker.wait_for_and_dispatch_events(0)
    assert listening(worker)


def test_stops_accepting_when_every_thread_has_a_connection_and_resumes_when_one_is_done(worker):
    worker.nr_conns = 2
    worker.set_accept_enabled(True)  # what gunicorn's own loop asks, under its connection cap
    assert not listening(worker)
    worker.nr_conns = 1  # a request finished and its connection closed
    worker.wait_for_and_dispatch_events(0)
    assert listening(worker)
    worker.nr_conns = 2  # a new connection taken: the worker's own turn notices
    worker.wait_for_and_dispatch_events(0)
    assert not listening(worker)


def test_kept_alive_and_waiting_connections_do_not_hold_threads(worker):
    worker.nr_conns = 5
    worker.keepalived_conns.extend(["idle"] * 3)
    worker.pending_conns.append("no bytes yet")
    worker.wait_for_and_dispatch_events(0)
    assert listening(worker)  # one connection in service, two threads


def test_a_stopping_worker_accepts_nothing(worker):
    worker.alive = False
    worker.wait_for_and_dispatch_events(0)
    assert not listening(worker)


def test_connections_spread_over_the_workers_of_a_real_gunicorn():
    """Four persistent connections, each busy when the next arrives, to 2 workers × 2 threads:
    two in each worker. Stock gthread workers accept whatever they can grab: in four runs of
    this test with them, one worker took three or all four connections every time."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.platform.gunicorn_probe_app:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "2", "--worker-class",
         "dangan.platform.gunicorn_worker.BalancedThreadWorker", "--log-level", "warning"],
        cwd=REPO_ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()
                time.sleep(0.1)
        time.sleep(1)  # both workers up, not just the master's socket

        def one_slow_request(delay: float) -> str:
            time.sleep(delay)  # one after another, each arriving while the earlier ones are served
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/?1.5")
            pid = conn.getresponse().read().decode()
            conn.close()
            return pid

        with ThreadPoolExecutor(4) as pool:
            pids = list(pool.map(one_slow_request, [0, 0.15, 0.3, 0.45]))
    finally:
        server.terminate()
        server.wait(30)
    assert sorted(collections.Counter(pids).values()) == [2, 2], pids
