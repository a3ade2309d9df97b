"""Chinese by default, English on request; every string of web/ translated."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dangan.web import messages
from tests.web.conftest import text_of

CATALOG = messages.CATALOG
# The committed .mo serves machines without gettext; checking the catalog needs its tools.
needs_gettext = pytest.mark.skipif(not (shutil.which("xgettext") and shutil.which("msgfmt")),
                                   reason="GNU gettext (xgettext, msgfmt) is not installed: apt-get install gettext")


def test_chinese_is_the_default(company, web):
    html = text_of(web(company.owner).get("/"))
    assert '<html lang="zh-hans">' in html and "工作台" in html and "跳到主要内容" in html


def test_the_language_switcher_sets_english(company, web, new_customer):
    customer = new_customer()
    client = web(company.owner)
    assert 'action="/i18n/setlang/"' in text_of(client.get("/"))
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/customers/{customer.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    html = text_of(client.get(f"/customers/{customer.pk}/"))
    assert '<html lang="en">' in html
    for english in ("Dashboard", "Customer files", "Submit for review", "Basic information", "Draft", "Sales ledger"):
        assert english in html, english
    assert "提交审核" not in html and "基本信息" not in html
    assert "Dashboard" in text_of(client.get("/")) and "My tasks" in text_of(client.get("/"))


def test_english_on_the_public_site(db, public_client):
    public_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = text_of(public_client.get("/signup/"))
    assert "Sign up a company" in html and "Company name" in html


def _entries(text: str):
    """(msgctxt, msgid, [msgstr…], flags) of every entry of a .po file."""
    for block in (part.strip() for part in text.split("\n\n")):
        if block.startswith("#~") or "msgid" not in block:
            continue
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))

        def joined(keyword):
            match = re.search(rf'^{keyword} ("(?:.|\n")*?)(?=\n[a-z#]|\Z)', block, re.M)
            if not match:
                return None
            return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))

        # every msgstr (msgstr[0], msgstr[1] … of a plural), each possibly over several lines
        strs = ["".join(re.findall(r'"((?:[^"\\]|\\.)*)"', value))
                for value in re.findall(r'^msgstr(?:\[\d\])? ("(?:.|\n")*?)(?=\n[a-z#]|\Z)', block, re.M)]
        yield joined("msgctxt"), joined("msgid"), strs, flags


def test_every_string_in_the_catalog_is_translated():
    entries = [e for e in _entries(CATALOG.read_text()) if e[1]]
    assert len(entries) > 300
    assert not [e[1] for e in entries if not all(e[2]) or "fuzzy" in e[3]]


@needs_gettext
def test_the_catalog_covers_every_string_of_the_sources(tmp_path: Path):
    """makemessages over today's sources finds nothing the committed catalog lacks."""
    fresh = messages.extract(tmp_path)
    wanted = {(ctx, msgid) for ctx, msgid, _strs, _flags in _entries(fresh.read_text()) if msgid}
    assert len(wanted) > 300 and (None, "工作台") in wanted and ("history", "建档") in wanted
    have = {(ctx, msgid) for ctx, msgid, _strs, _flags in _entries(CATALOG.read_text()) if msgid}
    assert wanted - have == set(), "run .venv/bin/python -m dangan.web.messages and translate the new strings"


@needs_gettext
def test_the_compiled_catalog_is_current(tmp_path: Path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(CATALOG)], check=True)
    assert compiled.read_bytes() == CATALOG.with_suffix(".mo").read_bytes(), "recompile: python -m dangan.web.messages"
