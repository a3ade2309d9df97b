"""A web worker starts without the large libraries only some requests need: pypinyin's
dictionaries (~55 MB), jieba's (rjieba, ~30 MB) and openpyxl with Pillow (~10 MB) load on first
use. Every gunicorn worker would otherwise carry them from start-up (bench/documents.py measures
a worker's RSS while it streams an upload)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOADED_LAZILY = ("pypinyin", "rjieba", "openpyxl", "PIL")

_PROBE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
from dangan.platform.wsgi import application  # noqa: F401
for urlconf in ("dangan.platform.urls_tenant", "dangan.platform.urls_public"):
    get_resolver(urlconf).url_patterns  # imports every view module, as the first request does
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_started_web_process_has_not_loaded_the_large_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangan.platform.settings.test"}
    result = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "dangan" in loaded and "rest_framework" in loaded  # the probe did load the app
    assert loaded.isdisjoint(LOADED_LAZILY), sorted(loaded & set(LOADED_LAZILY))


def test_the_lazily_loaded_libraries_still_answer_on_first_use():
    from dangan.archives.search import pinyin_initials
    from dangan.documents.search import query_terms, tokens_for

    assert pinyin_initials("张三") == "zs"
    assert "合同" in tokens_for("购房合同")
    assert query_terms("购房合同")


_FREEZE_PROBE = """
import gc, json, sys
from dangan.platform.wsgi import application  # noqa: F401
print(json.dumps({"frozen": gc.get_freeze_count(), "views": "dangan.api.archives.traceability" in sys.modules}))
"""


def test_the_wsgi_module_freezes_what_start_up_loaded_views_included():
    # Full collections then skip start-up's objects (platform/wsgi.py); the views are imported
    # first, so their modules' objects are among the frozen ones.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangan.platform.settings.test"}
    result = subprocess.run([sys.executable, "-c", _FREEZE_PROBE], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["views"] is True
    assert probe["frozen"] > 100_000, probe
