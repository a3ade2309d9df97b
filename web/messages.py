"""Re-extract and compile the web UI's translations: `.venv/bin/python -m dangan.web.messages`.

Source strings are Chinese; web/locale/en/LC_MESSAGES/django.po holds their English. The
catalog covers web/ (templates and Python) and the archives models' verbose names and choice
labels, which the pages show as labels. makemessages runs in a scratch copy of exactly those
files, so nothing else in the repository lands in the web catalog; existing translations are
merged (msgmerge) and new strings arrive empty, for a person to translate. The compiled .mo is
committed: a fresh machine may have no gettext tools.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "web" / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCES = [("web", ("templates", "accounts", "archives", "public", "templatetags", "settings_users",
                    "settings_governance", "governance_pages", "governance", "staff", "*.py")),
           ("archives/models", ("*.py",)),
           # the register models' state and choice labels, shown on the register pages; retention's
           # and access's on the disposition and query-log pages
           ("governance/models", ("borrowing.py", "pickups.py", "retention.py", "access.py")),
           ("governance", ("audit_labels.py",)),  # the audit page's action names
           # the password rules' field names, inside Django's own (translated) sentences
           ("accounts", ("password_validation.py",))]


def copy_sources(into: Path) -> None:
    for folder, patterns in SOURCES:
        for pattern in patterns:
            for path in (REPO / folder).glob(pattern):
                target = into / path.relative_to(REPO)
                target.parent.mkdir(parents=True, exist_ok=True)
                if path.is_dir():
                    shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(path, target)


def extract(into: Path, catalog: Path | None = None) -> Path:
    """Run makemessages over a copy of the sources; returns the .po written under `into`.
    With `catalog`, its translations are merged in (msgmerge keeps them, marks the stale obsolete)."""
    copy_sources(into)
    out = into / "locale" / "en" / "LC_MESSAGES"
    out.mkdir(parents=True)
    if catalog and catalog.exists():
        shutil.copy2(catalog, out / "django.po")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                 "dangan.platform.settings.test"))
    # An empty LOCALE_PATHS makes makemessages write to ./locale (the scratch copy), not the repo.
    code = ("import django; from django.conf import settings; django.setup(); settings.LOCALE_PATHS = []; "
            "from django.core.management import call_command; "
            "call_command('makemessages', locale=['en'], no_location=True, no_obsolete=True, verbosity=0)")
    subprocess.run([sys.executable, "-c", code], cwd=into, env=env, check=True)
    return out / "django.po"


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        fresh = extract(Path(scratch), CATALOG)
        shutil.copy2(fresh, CATALOG)
    subprocess.run(["msgfmt", "--check", "-o", str(CATALOG.with_suffix(".mo")), str(CATALOG)], check=True)
    def count(flag: str) -> int:
        out = subprocess.run(["msgattrib", flag, "--no-obsolete", str(CATALOG)], capture_output=True, text=True).stdout
        return max(out.count("\nmsgid ") - 1, 0)  # minus the header

    print(f"{CATALOG.relative_to(REPO)}: {count('--untranslated')} untranslated, {count('--only-fuzzy')} fuzzy "
          "(to translate by hand, then run this again)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
