"""A WSGI app for tests/platform/test_gunicorn_worker.py: answers with the worker's pid after
a pause long enough for the test's other connections to arrive while it is busy."""
import os
import time


def application(environ, start_response):
    time.sleep(float(environ.get("QUERY_STRING") or 0))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
