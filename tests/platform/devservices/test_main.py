"""The dev runner stops everything it started, whatever signal stops it (`make run` under a
process manager gets SIGTERM, a closed terminal SIGHUP), and reaches the grandchildren too."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dangan.platform.devservices.__main__ import spawn_child, stop_children, wait_until_serving, wait_while_running
from dangan.platform.devservices.services import REPO_ROOT
from tests.polling import wait_for

# Variables that make the runner reuse servers instead of starting its own: removed, so that
# the test sees the embedded PostgreSQL and S3 server started and stopped.
REAL_SERVER_VARIABLES = ("DATABASE_URL", "S3_ENDPOINT_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
                         "DANGAN_VAR_DIR", "DJANGO_SETTINGS_MODULE")


def alive(pid: int) -> bool:
    """Running, and not a zombie nobody has reaped yet (a container's PID 1 may never reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def kill_leftovers(var_dir: str) -> None:
    """After a failure: kill every process whose command line names the run's folder
    (PostgreSQL and the S3 server start their own sessions, out of the runner's group)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if var_dir in cmdline.read_bytes().decode(errors="replace"):
                os.kill(int(cmdline.parent.name), signal.SIGKILL)
        except (OSError, ValueError):
            pass
    shutil.rmtree(var_dir, ignore_errors=True)


def accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_exec_stopped_by_signal_stops_the_command_and_every_service(tmp_path, signum):
    marker = tmp_path / "child.json"
    command = textwrap.dedent(f"""
        import json, os, time
        with open({str(marker)!r} + ".tmp", "w") as out:
            json.dump({{"pid": os.getpid(), "database_url": os.environ["DATABASE_URL"],
                       "s3": os.environ["S3_ENDPOINT_URL"], "var_dir": os.environ["DANGAN_VAR_DIR"]}}, out)
        os.rename({str(marker)!r} + ".tmp", {str(marker)!r})
        time.sleep(600)
    """)
    env = {key: value for key, value in os.environ.items() if key not in REAL_SERVER_VARIABLES}
    runner = subprocess.Popen(
        [sys.executable, "-m", "dangan.platform.devservices", "exec", "--", sys.executable, "-c", command],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        process_group=0,  # so that a failing run's leftovers can be killed below
    )
    started = None
    try:
        wait_for(marker.exists, "the command to start under the runner", timeout=120)
        started = json.loads(marker.read_text())
        database = urlsplit(started["database_url"])
        s3 = urlsplit(started["s3"])
        assert accepts_connections(database.hostname, database.port)
        assert accepts_connections(s3.hostname, s3.port)
        assert Path(started["var_dir"]).is_dir()

        runner.send_signal(signum)
        runner.wait(60)

        assert not alive(started["pid"]), "the command outlived the runner"
        assert not accepts_connections(database.hostname, database.port), "PostgreSQL outlived the runner"
        assert not accepts_connections(s3.hostname, s3.port), "the S3 server outlived the runner"
        assert not Path(started["var_dir"]).exists(), "the throwaway folder was left behind"
    finally:
        try:
            os.killpg(runner.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        runner.wait()
        if started:
            kill_leftovers(started["var_dir"])


@pytest.mark.parametrize("child_ignores_sigterm", [False, True])
def test_stop_children_reaches_grandchildren_that_ignore_sigterm(tmp_path, child_ignores_sigterm):
    """runserver's autoreloader and Celery's pool are grandchildren of the runner. One that
    ignores SIGTERM is killed once its parent has stopped, or when the grace period ends if the
    parent ignores SIGTERM too."""
    grandchild_pid_file = tmp_path / "grandchild.pid"
    child_code = textwrap.dedent(f"""
        import signal, subprocess, sys, time
        if {child_ignores_sigterm}:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        grandchild = subprocess.Popen([sys.executable, "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
        open({str(grandchild_pid_file)!r}, "w").write(str(grandchild.pid))
        time.sleep(600)
    """)
    child = spawn_child([sys.executable, "-c", child_code])
    grandchild_pid = None
    try:
        wait_for(lambda: grandchild_pid_file.exists() and grandchild_pid_file.read_text(), "the grandchild",
                 timeout=30)
        grandchild_pid = int(grandchild_pid_file.read_text())
        time.sleep(0.3)  # let the grandchild install its SIGTERM handler
        assert alive(grandchild_pid)

        started = time.monotonic()
        stop_children([child], timeout=2)

        elapsed = time.monotonic() - started

        wait_for(lambda: not alive(grandchild_pid), "the grandchild to be killed", timeout=5)
        if child_ignores_sigterm:
            assert child.returncode == -signal.SIGKILL
            assert elapsed >= 2, "killed before the grace period ended"
        else:
            assert child.returncode == -signal.SIGTERM
            assert elapsed < 2, "waited out the grace period for a child that had stopped"
    finally:
        if grandchild_pid and alive(grandchild_pid):
            os.kill(grandchild_pid, signal.SIGKILL)
        if child.poll() is None:
            child.kill()
            child.wait()


def test_stop_children_is_quick_when_everything_stops_on_sigterm():
    child = spawn_child([sys.executable, "-c", "import time; time.sleep(600)"])
    started = time.monotonic()
    stop_children([child], timeout=10)
    assert child.returncode == -signal.SIGTERM
    assert time.monotonic() - started < 5


def test_the_runner_notices_when_what_started_it_is_gone(tmp_path):
    # `make run` killed with SIGTERM dies without passing the signal on: the runner, handed to
    # another parent, must see it and stop (here a stand-in for make starts a process that waits
    # as cmd_run waits, with a child of its own; the stand-in is then killed outright).
    answer = tmp_path / "answer"
    waiter = textwrap.dedent(f"""
        import os, subprocess, sys
        from dangan.platform.devservices.__main__ import wait_while_running
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        parent = os.getppid()
        open({str(tmp_path / 'started')!r}, "w").close()
        result = wait_while_running([child], parent=parent, interval=0.05)
        child.kill()
        open({str(answer)!r}, "w").write(result)
    """)
    make = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", {waiter!r}])
        time.sleep(60)
    """)], cwd=REPO_ROOT)
    try:
        wait_for((tmp_path / "started").exists, "the waiting runner", timeout=30)
        assert not answer.exists()  # its parent is there: it keeps waiting
        make.kill()
        make.wait()
        assert wait_for(answer.exists, "the runner to notice", timeout=10)
        assert answer.read_text() == "parent gone"
    finally:
        make.kill()


def test_the_runner_stops_waiting_when_a_child_ends():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert wait_while_running([child], parent=os.getppid(), interval=0.01) == "child ended"


@pytest.fixture
def idle_server_process():
    """A stand-in for runserver: a process that stays up until the test ends."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_urls_are_printed_only_once_the_web_server_answers(idle_server_process):
    import http.server
    import threading

    port = free_port()
    servers = []

    def listen_later():
        time.sleep(0.6)  # runserver binds its port seconds after it starts
        server = http.server.HTTPServer(("127.0.0.1", port), http.server.BaseHTTPRequestHandler)
        servers.append(server)
        server.serve_forever(poll_interval=0.05)

    threading.Thread(target=listen_later, daemon=True).start()
    started = time.monotonic()
    try:
        # BaseHTTPRequestHandler answers 501 to GET: any answer means it is listening.
        assert wait_until_serving(f"http://127.0.0.1:{port}/healthz", idle_server_process, timeout=10, interval=0.05)
        assert time.monotonic() - started >= 0.5
    finally:
        wait_for(lambda: servers, "the stand-in server", timeout=5)
        servers[0].shutdown()
        servers[0].server_close()


def test_waiting_for_the_web_server_ends_when_it_exits():
    crashed = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    crashed.wait()
    started = time.monotonic()
    assert not wait_until_serving(f"http://127.0.0.1:{free_port()}/healthz", crashed, timeout=30, interval=0.05)
    assert time.monotonic() - started < 5


def test_waiting_for_the_web_server_gives_up_at_the_timeout(idle_server_process):
    assert not wait_until_serving(f"http://127.0.0.1:{free_port()}/healthz", idle_server_process, timeout=0.5,
                                  interval=0.05)
