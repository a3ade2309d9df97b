"""`platform/` is never importable as `platform`: the standard library's module always wins."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="dangan.platform.settings.test")
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_import_platform_from_the_repo_root_is_the_standard_library():
    result = _run("-c", "import platform, uuid; print(platform.__file__); print(platform.python_version())")
    assert result.returncode == 0, result.stderr
    location = result.stdout.splitlines()[0]
    assert not location.startswith(str(REPO_ROOT)), location
    assert "python3" in location


def test_python_m_pytest_runs_from_the_repo_root():
    result = _run("-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "tests/platform/test_layout.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_import_platform_from_the_repo_root_is_the_standard_library" in result.stdout


def test_manage_py_check_passes_from_the_repo_root():
    result = _run("manage.py", "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_project_package_maps_platform_into_the_dangan_namespace():
    import dangan.platform.settings.base as base

    assert Path(base.__file__).resolve().parent == REPO_ROOT / "platform" / "settings"
    assert not (REPO_ROOT / "platform" / "__init__.py").exists()


@pytest.mark.parametrize("overrides,needle", [
    ({}, "DJANGO_SECRET_KEY"),
    ({"DJANGO_SECRET_KEY": "k" * 50, "DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
])
def test_production_settings_refuse_unsafe_configuration(overrides, needle):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG")}
    env.update(overrides, DJANGO_SETTINGS_MODULE="dangan.platform.settings.production")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and needle in result.stderr


def test_production_settings_start_with_a_real_secret():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="dangan.platform.settings.production",
               DJANGO_SECRET_KEY="s" * 50, DJANGO_DEBUG="false")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
                             " print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"
