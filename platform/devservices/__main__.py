"""The dev runner: `python -m dangan.platform.devservices run | exec -- CMD…`.

- `run`: what `make run` does — services under var/, migrations, the demo company, then the
  web server, a Celery worker and beat; Ctrl-C, SIGTERM or SIGHUP stops everything it started.
- `exec -- CMD`: fresh throwaway services (or the real ones named in the environment), CMD run
  with their variables, everything stopped and removed afterwards. `make test` and the
  benches use it.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .services import DEFAULT_VAR_DIR, REPO_ROOT, Services

PYTHON = sys.executable

# The signal that stopped us (SIGINT, SIGTERM or SIGHUP), so that `exec` passes the same one on.
_stopping_signal: int | None = None


def _raise_interrupt(signum: int, frame: object) -> None:
    global _stopping_signal
    _stopping_signal = signum
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into the same orderly stop as Ctrl-C.

    A process manager, `kill` or a closed terminal stops us with SIGTERM or SIGHUP; Python's
    default for those is to die at once, leaving the database, the S3 server and the workers we
    started running as orphans. A shell also starts background jobs with SIGINT ignored, so the
    Ctrl-C handler is installed explicitly rather than inherited."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)


def spawn_child(argv: list[str], **kwargs) -> subprocess.Popen:
    """A child in its own process group, so that stopping it reaches what it started in turn
    (runserver's autoreloader child, Celery's pool processes)."""
    return subprocess.Popen(argv, process_group=0, **kwargs)


def stop_children(children: list[subprocess.Popen], timeout: float = 10) -> None:
    """SIGTERM to each child's process group, then SIGKILL to the groups still there after
    `timeout` seconds."""
    def signal_group(child: subprocess.Popen, signum: int) -> None:
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    for child in children:
        signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        # The group's other members may outlive its leader; whatever is left gets SIGKILL.
        signal_group(child, signal.SIGKILL)
        child.wait()


def _child_env(extra: dict[str, str], settings: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env.setdefault("DJANGO_SETTINGS_MODULE", settings)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def cmd_exec(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: exec -- COMMAND …", file=sys.stderr)
        return 2
    _stop_on_signals()
    tmp_root = DEFAULT_VAR_DIR / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    services = Services(Path(tempfile.mkdtemp(prefix="run-", dir=tmp_root)), ephemeral=True)
    try:
        env = _child_env(services.start(), "dangan.platform.settings.test")
        for line in services.started:
            print(f"[devservices] {line}", file=sys.stderr)
        # Same process group as ours: Ctrl-C in a terminal reaches the command directly, as
        # it would without us in between.
        proc = subprocess.Popen(argv, env=env, cwd=REPO_ROOT)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(_stopping_signal or signal.SIGINT)
            try:
                return proc.wait(30)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                proc.kill()
                return proc.wait()
    finally:
        services.stop()


def _documents_status(env: dict[str, str]) -> list[str]:
    """What the document pipeline can do here: OCR (Tesseract with every configured language)
    and virus scanning (clamd configured; scanning fails closed when it is unreachable)."""
    from dangan.documents.ocr import library_installed, tessdata_dir

    languages = env.get("DOCUMENTS_OCR_LANGUAGES") or "chi_sim+eng"
    configured = env.get("DOCUMENTS_TESSDATA_DIR") or env.get("TESSDATA_PREFIX")
    if not library_installed():
        ocr = "off — the tesserocr wheel is not installed (make install); scans say OCR unavailable"
    elif tessdata_dir(languages, configured):
        ocr = f"on (Tesseract {languages})"
    else:
        ocr = (f"off — no Tesseract data for {languages} (apt-get install tesseract-ocr-chi-sim "
               "tesseract-ocr-eng); scans say OCR unavailable")
    clamd = env.get("CLAMD_SOCKET") or (f"{env['CLAMD_HOST']}:{env.get('CLAMD_PORT') or 3310}" if env.get("CLAMD_HOST") else "")
    scan = f"on (clamd at {clamd}; fail closed)" if clamd else "off — set CLAMD_SOCKET or CLAMD_HOST to scan uploads"
    return [f"  Document OCR:            {ocr}", f"  Virus scanning:          {scan}"]


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=REPO_ROOT, check=True)


def wait_while_running(children: list[subprocess.Popen], *, parent: int, interval: float = 0.5) -> str:
    """Until a child ends ("child ended") or the process that started us does ("parent gone").
    `make run` stopped with SIGTERM dies without passing the signal on; we are then handed to
    another parent, and stop in order as on Ctrl-C rather than run on as orphans."""
    while True:
        if any(child.poll() is not None for child in children):
            return "child ended"
        if os.getppid() != parent:
            return "parent gone"
        time.sleep(interval)


def wait_until_serving(url: str, server: subprocess.Popen, *, timeout: float = 60.0, interval: float = 0.2) -> bool:
    """Whether `url` answered (any HTTP status) before `timeout`: False as soon as `server` has
    ended, or at the timeout. `make run` prints its URLs only once they answer: runserver checks
    the project and binds its port a few seconds after it starts, and a URL opened before then
    is refused."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered, if not with 200
        except OSError:  # refused or reset: not listening yet
            time.sleep(interval)
    return False


def cmd_run(args: argparse.Namespace) -> int:
    parent = os.getppid()
    _stop_on_signals()
    services = Services(DEFAULT_VAR_DIR)
    children: list[subprocess.Popen] = []
    try:
        env = _child_env(services.start(), "dangan.platform.settings.local")
        env.setdefault("DANGAN_LINK_PORT", str(args.port))  # e-mailed links reach this server
        for line in services.started:
            print(f"[dangan] started {line}")
        # So that `manage.py …` in another shell reaches the same services (read by settings/base.py).
        (DEFAULT_VAR_DIR / "services.env").write_text(
            "".join(f"{key}={value}\n" for key, value in sorted(services.env.items())))
        _manage(env, "migrate_schemas", "--noinput", "-v", "0")
        _manage(env, "ensure_demo_company")
        _manage(env, "collectstatic", "--noinput", "-v", "0")
        celery = [PYTHON, "-m", "celery", "-A", "dangan.platform.celery_app"]
        logs = DEFAULT_VAR_DIR / "log"
        logs.mkdir(exist_ok=True)
        children.append(spawn_child(
            [*celery, "worker", "-l", "INFO", "--concurrency", "2", "-n", "dangan-worker@%h"],
            env=env, cwd=REPO_ROOT, stdout=open(logs / "worker.log", "ab"), stderr=subprocess.STDOUT))
        children.append(spawn_child(
            [*celery, "beat", "-l", "INFO", "-s", str(DEFAULT_VAR_DIR / "celerybeat-schedule")],
            env=env, cwd=REPO_ROOT, stdout=open(logs / "beat.log", "ab"), stderr=subprocess.STDOUT))
        web = spawn_child([PYTHON, "manage.py", "runserver", f"0.0.0.0:{args.port}"], env=env, cwd=REPO_ROOT)
        children.append(web)
        if not wait_until_serving(f"http://127.0.0.1:{args.port}/healthz", web):
            print(f"[dangan] the web server did not start on port {args.port} (its output is above); stopping.",
                  file=sys.stderr, flush=True)
            return 1
        print(
            "\n"
            f"  Dangan is running.\n"
            f"  Public site and signup:  http://localhost:{args.port}/\n"
            f"  Platform staff console:  http://localhost:{args.port}/staff/   (staff@dangan.example / dangan-staff; Django admin at /console/)\n"
            f"  Demo company:            http://demo.localhost:{args.port}/   (admin@demo.example / dangan-demo-2026)\n"
            f"  API docs:                http://demo.localhost:{args.port}/api/docs/\n"
            f"  Worker and beat logs:    {logs}/\n"
            + "\n".join(_documents_status(env)) + "\n"
            "  Ctrl-C (or SIGTERM) stops everything.\n",
            flush=True,
        )
        return 0 if wait_while_running(children, parent=parent) == "parent gone" else 1
    except KeyboardInterrupt:
        return 0
    finally:
        # A second signal while stopping must not cut the stop short and orphan what is left.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stop_children(children)
        services.stop()
        (DEFAULT_VAR_DIR / "services.env").unlink(missing_ok=True)
        print("[dangan] stopped.")


def main() -> int:
    parser = argparse.ArgumentParser(prog="devservices")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start everything for development (make run)")
    run.add_argument("--port", type=int, default=int(os.environ.get("DANGAN_PORT", "8000")))
    sub.add_parser("exec", help="run a command with throwaway services (make test, benches)")
    args, rest = parser.parse_known_args()
    if args.command == "exec":
        return cmd_exec(rest)
    return cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
