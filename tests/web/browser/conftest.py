"""Browser tests: Debian's chromium driven by Playwright against the app served by gunicorn.

The server is a subprocess on the test database (like the Celery worker of
tests/platform/test_tasks.py), so everything the tests and the browser write must be committed:
the `committed` fixture removes the companies made meanwhile. Chromium resolves
`<company>.localhost` to this machine, so each company is reached under its own host name.

Chromium is Debian's (/usr/bin/chromium) through `executable_path`; a downloaded browser
(`playwright install`) is never used. Without it these tests fail and say how to get it, unless
DANGAN_SKIP_BROWSER_TESTS=1 asks to skip them.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.celery_worker import database_url_for, running_worker

CHROMIUM = Path(os.environ.get("DANGAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results" / "screenshots"
READY_TIMEOUT = 60  # seconds for gunicorn to answer; a loaded 2-core machine needs a few


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's chromium against a live server (tests/web/browser/)")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    reason = (f"Debian's chromium is not installed at {CHROMIUM}: the browser tests need it. Install it with "
              "`apt-get install chromium` (as root; `make test` does this when it can), or set "
              "DANGAN_SKIP_BROWSER_TESTS=1 to skip these tests.")
    if os.environ.get("DANGAN_SKIP_BROWSER_TESTS") == "1":
        pytest.skip(reason)
    pytest.fail(reason, pytrace=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server_url(chromium_path, test_database, django_db_blocker, tmp_path_factory):
    """gunicorn serving the app on the test database: `http://localhost:<port>` (the public
    site); company hosts are `http://<slug>.localhost:<port>`."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        assert name.startswith("test_"), f"refusing to serve the non-test database {name!r}"
        database_url = database_url_for(connection.settings_dict)
    var = tmp_path_factory.mktemp("live-var")
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE,
               DANGAN_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    # whitenoise serves what collectstatic gathered (DEBUG is off, as in production).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    port = _free_port()
    log_path = var / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dangan.platform.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "4", "--timeout", "120", "--access-logfile", "-"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    # Code that ran while Playwright's loop was alive got its own connection (Django keeps
    # connections per context, and the loop's greenlets have their own); nothing closes it, and
    # the test database cannot be dropped while it is open.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="module")
def browser_worker(live_server_url, tmp_path_factory):
    """A real `celery worker` on the test database, for the files uploaded through the browser
    (verify, scan, text, previews) and the imports it starts. Started after the server (so after
    the test database), and stopped when the module ends."""
    with running_worker(tmp_path_factory.mktemp("browser-worker"), node_prefix="browser-") as worker:
        yield worker


@pytest.fixture(scope="module")
def orm_beside_playwright():
    """Playwright's sync API keeps an asyncio loop in this thread while the browser runs, which
    Django takes for async code; the ORM calls the tests make between browser steps are plain
    synchronous code, so its guard is lifted for as long as the browser runs (this module)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def chromium(chromium_path, live_server_url, orm_beside_playwright):
    # After the server (and the test database): the database is set up before the browser's
    # loop exists and torn down after it is gone.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Each launch gets a fresh temporary profile (user-data dir), removed when it closes.
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True,
            # *.localhost is loopback in Chromium already; the rule also keeps it off IPv6 (gunicorn
            # listens on 127.0.0.1 only).
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1"])
        yield browser
        browser.close()


@pytest.fixture
def browser_session(chromium, committed, live_server_url):
    """`new_page(**context options)`: a page in its own browser context (own cookies), which
    records console errors and CSP violations in `page.problems`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    contexts = []

    def new_page(**options):
        options.setdefault("viewport", {"width": 1366, "height": 900})
        options.setdefault("locale", "zh-CN")
        options.setdefault("reduced_motion", "reduce")
        context = chromium.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = []

        def console(message):
            # A page answered 4xx on purpose (a form with errors) is logged as a failed load;
            # failed sub-resources are caught by `response` below instead.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                page.problems.append(f"{message.text} @ {page.url} {message.location}")

        def response(answer):
            # A form sent back with its errors (422, htmx swaps it in) is an answer, not a failure.
            deliberate = answer.status == 422 and answer.request.resource_type in ("xhr", "fetch")
            if answer.status >= 400 and answer.request.resource_type != "document" and not deliberate:
                page.problems.append(f"{answer.status} {answer.url}")

        page.on("console", console)  # CSP violations and script errors are logged here
        page.on("pageerror", lambda exc: page.problems.append(str(exc)))
        page.on("response", response)
        return page

    yield new_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
