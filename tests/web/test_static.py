"""The browser libraries are vendored from the npm registry (web/package-lock.json) and served
by the app itself: no page refers to a CDN."""
import json
import re
from pathlib import Path

from django.contrib.staticfiles import finders

WEB = Path(__file__).resolve().parents[2] / "web"


def test_vendored_files_match_the_pinned_versions():
    pinned = json.loads((WEB / "package.json").read_text())["dependencies"]
    lock = json.loads((WEB / "package-lock.json").read_text())["packages"]
    for name, version in pinned.items():
        assert lock[f"node_modules/{name}"]["version"] == version, name
    chart = Path(finders.find("vendor/chart.umd.min.js")).read_text()[:200]
    assert f"Chart.js v{pinned['chart.js']}" in chart
    htmx = Path(finders.find("vendor/htmx.min.js")).read_text()
    assert f'version:"{pinned["htmx.org"]}"' in htmx


def test_templates_load_nothing_from_elsewhere():
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', text), template


def test_the_site_scripts_exist():
    for path in ("dangan/app.js", "dangan/dashboard.js", "dangan/site.css", "dangan/favicon.svg"):
        assert finders.find(path), path


def test_production_static_storage_collects_everything(tmp_path, settings):
    """whitenoise's manifest storage follows every url() and sourceMappingURL and refuses a
    dangling one: a vendored file whose map is missing would break `collectstatic` in production."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "vendor/htmx.min.js" in manifest and "vendor/chart.umd.min.js.map" in manifest
