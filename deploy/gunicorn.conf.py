"""gunicorn for the web role (the Dockerfile's CMD): `gunicorn -c deploy/gunicorn.conf.py`.

Every value can be overridden by its environment variable or on the command line.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threads rather than more processes: a worker is ~105 MB of RSS when idle, and a proxied
# upload holds one thread for as long as the client takes to send the file, so a worker
# of sync (one-request) kind would sit out every slow upload. The upload itself holds one
# 8 MB part (documents/storage.py MultipartWriter), whatever the file size.
# gunicorn's gthread worker that accepts a connection only while it has a thread free, so a
# few persistent client connections spread over the workers (platform/gunicorn_worker.py).
worker_class = "dangan.platform.gunicorn_worker.BalancedThreadWorker"
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# A 1 GB upload over a slow line: the request is alive as long as bytes keep coming.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "600"))
keepalive = 5
# No preload: it saves start-up time, not memory that counts — pages a worker inherits from
# the master are still in its RSS, and CPython's reference counting writes to (and so copies)
# most of them soon after the fork.
preload_app = False
# Recycle workers now and then, so that whatever a long-lived process accumulates (the first
# search loads jieba's dictionary, ~30 MB; the first name indexing pypinyin's, ~55 MB) is given
# back; the jitter keeps workers from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
