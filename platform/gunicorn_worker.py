"""gunicorn's threaded worker, taking new connections only while it has a thread to spare.

Stock `gthread` workers all watch the listening socket and whichever wakes first accepts,
whether or not its threads are free (gunicorn issues #908 and #3433). With a few persistent
connections (an integration's HTTP client pool, a load balancer's upstream connections) one
worker can end up holding all of them: its GIL then caps the whole server at one core while
the other workers sit idle. Measured here with four keep-alive clients and 2 workers × 2
threads (bench/archives.py, `list_rps`): in one phase of four all connections landed in one
worker, which ran at 0.98 of a core with the other at 0.0 — 246 requests a second and 37 % of
the machine idle, against 430–530 when they were split.

This worker accepts only while fewer of its connections are being served (or waiting for a
thread) than it has threads; otherwise the connection stays in the kernel's backlog for a
worker that can start on it at once. Kept-alive connections waiting for their next request
do not count, so idle clients never stop a worker from accepting; the `worker_connections`
cap still applies on top. Settings: deploy/gunicorn.conf.py `worker_class`.
"""
from __future__ import annotations

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    def busy_connections(self) -> int:
        """Connections being served or queued for a thread: neither kept alive nor waiting for
        their first bytes on the poller."""
        return self.nr_conns - len(self.keepalived_conns) - len(self.pending_conns)

    def set_accept_enabled(self, enabled: bool) -> None:
        # Every caller (gunicorn's loop, and ours below) goes through the thread check.
        super().set_accept_enabled(enabled and self.busy_connections() < self.cfg.threads)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # gunicorn's loop asks only when its own cap changes its mind; ask on every turn, since
        # an accepted connection or a finished request changes ours (it is a cheap call that
        # touches the poller only when the answer changes). A stopping worker accepts nothing.
        self.set_accept_enabled(self.alive and self.nr_conns < self.worker_connections)
        super().wait_for_and_dispatch_events(timeout)
