"""OCR with Tesseract (`chi_sim+eng`), when the binary and its language data are installed.

Costs measured on a dense Chinese A4 page at 300 dpi (2,000 characters), on this project's
2-core machine:

- Threading: Tesseract's OpenMP threads oversubscribe small machines (~25 s a page on two busy
  cores against a few seconds single-threaded), so every run is single-threaded
  (OMP_THREAD_LIMIT=1) and parallelism comes from one process per core (extract.ocr_text runs
  a document's pages side by side; Celery runs one task per core).
- Languages: with `chi_sim+eng` Tesseract re-reads nearly every Chinese line with the English
  model as well (the Chinese model's lines never count as "acceptable" dictionary words), which
  costs ~1.6× the CPU of `chi_sim` alone and reads no better: the Chinese model carries Latin
  letters and digits (a mixed page: 91 of 93 English words and codes found by chi_sim, 92 by
  chi_sim+eng; character accuracy 0.982 against 0.975). So a page is read with the first
  language alone, and read again with all of them only when what came out is mostly Latin
  letters (an English page, where the English model does markedly better: 0.9985 against 0.96
  of words).
- Page segmentation `--psm 3` (automatic layout) stays: `--psm 6` (one uniform block) saves
  ~10% but runs the columns of a form or a two-column page together.
- Pre-binarising the page costs accuracy (0.954 against 0.969) and saves nothing: the LSTM
  reads the grey image, Tesseract's own Otsu pass is cheap.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings

TIMEOUT_SECONDS = 300  # one page; a stuck Tesseract must not hold a worker forever
PAGE_SEGMENTATION = "3"  # automatic layout, no orientation detection
# A page whose first reading has more Latin letters than CJK characters is read again with
# every configured language.
_LATIN = re.compile(r"[A-Za-z]")
_CJK_TEXT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
    """The text of one page image (PNG, PGM, TIFF, JPEG …)."""
    languages = settings.DOCUMENTS_OCR_LANGUAGES
    primary = languages.split("+")[0]
    text = _tesseract(path, primary)
    if primary != languages and _mostly_latin(text):
        text = _tesseract(path, languages)
    return normalize_ocr_text(text)


def _mostly_latin(text: str) -> bool:
    return len(_LATIN.findall(text)) > len(_CJK_TEXT.findall(text))


def _tesseract(path: Path, languages: str) -> str:
    try:
        result = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", languages, "--psm", PAGE_SEGMENTATION],
            capture_output=True, timeout=TIMEOUT_SECONDS, env=_env())
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrFailed(str(exc)) from exc
    if result.returncode != 0:
        raise OcrFailed(result.stderr.decode("utf-8", "replace")[-300:])
    return result.stdout.decode("utf-8", "replace")


def normalize_ocr_text(text: str) -> str:
    """Tesseract separates Chinese characters with spaces ("客 户 档 案"); drop spaces between
    CJK characters so words are whole again for search."""
    cjk = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
    return re.sub(rf"(?<=[{cjk}])[ \t]+(?=[{cjk}])", "", text).strip()
