"""OCR with Tesseract (`chi_sim+eng`), when the binary and its language data are installed.

Tesseract's OpenMP threading oversubscribes small machines (one page measured ~25 s on two busy
cores against ~2.2 s single-threaded), so every run is single-threaded (OMP_THREAD_LIMIT=1):
parallelism comes from one worker process per core instead.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings

TIMEOUT_SECONDS = 300  # one page; a stuck Tesseract must not hold a worker forever


class OcrFailed(Exception):
    pass


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


@lru_cache(maxsize=4)
def _available(languages: str) -> bool:
    binary = shutil.which("tesseract")
    if not binary:
        return False
    try:
        listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30, env=_env())
    except (OSError, subprocess.SubprocessError):
        return False
    installed = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    return all(language in installed for language in languages.split("+"))


def available() -> bool:
    """Tesseract and every configured language are installed."""
    return _available(settings.DOCUMENTS_OCR_LANGUAGES)


def ocr_image(path: Path) -> str:
    try:
        result = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", settings.DOCUMENTS_OCR_LANGUAGES, "--psm", "3"],
            capture_output=True, timeout=TIMEOUT_SECONDS, env=_env())
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrFailed(str(exc)) from exc
    if result.returncode != 0:
        raise OcrFailed(result.stderr.decode("utf-8", "replace")[-300:])
    return normalize_ocr_text(result.stdout.decode("utf-8", "replace"))


def normalize_ocr_text(text: str) -> str:
    """Tesseract separates Chinese characters with spaces ("客 户 档 案"); drop spaces between
    CJK characters so words are whole again for search."""
    import re

    cjk = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
    return re.sub(rf"(?<=[{cjk}])[ \t]+(?=[{cjk}])", "", text).strip()
