"""OCR with Tesseract (`chi_sim+eng`) when its library (tesserocr) and language data are installed.

Costs measured on a dense Chinese A4 page at 300 dpi (2,000 characters), on this project's
2-core machine:

- Engine: Tesseract as a library (the tesserocr wheel, which brings Tesseract 5.5.4; the language
  data is Debian's tesseract-ocr-chi-sim / -eng), one engine per OCR thread, kept for the
  process's next pages (chi_sim: ~40 MB loaded, ~70 MB while reading a page). On 2026-11-28's
  machine it read the bench's dense page in 4.22 CPU-s against ~4.9 for Debian's `tesseract`
  5.3.0 command, at the same accuracy (0.9735 against 0.9742), and the saved command start and
  model load (~0.15 s a page) go with it: bench/documents.py 28.8 pages a minute on 2 cores
  against 23.3 with the command. A page still has its time limit (TIMEOUT_SECONDS, Tesseract's
  own deadline). What the command gave and this does not: a crash of Tesseract takes the worker
  process with it (Celery starts another and the task's retries apply).
- Threading: Tesseract's OpenMP threads oversubscribe small machines (~25 s a page on two busy
  cores against a few seconds single-threaded), so every engine is single-threaded
  (OMP_THREAD_LIMIT=1, set before the library loads) and parallelism comes from one engine per
  core (extract.ocr_text reads a document's pages side by side in threads: tesserocr releases the
  GIL while Tesseract works; Celery runs one task per core).
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
- Where the time goes (issue #4: 4 dense pages, 8 and 9 pt pages, a blurred tilted scan, a
  two-column page, mixed Chinese/English, English; one Tesseract at a time, CPU seconds, on a
  machine shared with other work, so single figures vary by ±10%): the LSTM is ~70% of a page
  (perf), and it reads each text line scaled to the model's 48 px input height, so its cost
  follows the amount of text (3,800 characters in 8 pt: ~14 s; 2,160 in 10.5 pt: ~7.5 s), not
  the resolution. What does not help: downscaling (10.5 pt at 150 dpi: 6.7-7.2 s, at 300 dpi
  6.8-8.6 s, accuracy 0.971-0.973 both; 8 pt at 200 dpi: 13.5 s and 0.976, at 300 dpi 13.7 s
  and 0.973, once Tesseract is told the resolution: see ocr_image); squeezing pages
  horizontally to shorten the lines (3-15% less CPU for 1-5 points of accuracy); `--psm 4`/`6`,
  `tessedit_do_invert=0`, no dictionary (`load_system_dawg=0 load_freq_dawg=0`),
  `classify_enable_learning=0` (the legacy classifier, which the LSTM does not use): within the
  noise; keeping one process (tesserocr, with its own Tesseract 5.5.4) saved only the ~0.4 s
  start and model load and read no faster, on that day's machine (but see Engine).
- What is kept: `textord_all_prop=1`, which skips the fixed-pitch test and chopping (FPCUTPT in
  the profile) Tesseract runs on evenly spaced Chinese lines. The LSTM reads whole lines anyway,
  and the chopping sometimes cut a line into pieces read as nonsense: one of the 4 dense pages
  went from 0.941 to 0.961, every other page read the same; CPU 7.4 s against 8.1 s on the 4
  dense pages, 2% less over all 13 paired pages (within the noise).
- ≥ 25 pages a minute on 2 cores needs ≤ 4.8 CPU-s a page, and that depends on the machine more
  than on anything set here: the bench's dense page took 3.8 s (31 pages a minute) on
  2026-11-27's machine and 5.0 s (19.5-23.3) on 2026-11-28's with Debian's `tesseract` 5.3.0
  command, whatever its `dotproduct` (avx2, fma, avx512: within 0.2 s of each other; generic 27
  s); 4.22 s with the library (above). RapidOCR's PP-OCRv4 models read the same pages at 0.999,
  but at ~35 s a page on one core.
"""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from django.conf import settings

# Single-threaded Tesseract (see above): libgomp reads this once, when the library is loaded, so
# it is set when this module is imported, before tesserocr is. A value set on purpose is kept.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

TIMEOUT_SECONDS = 300  # one page; a stuck Tesseract must not hold a worker forever
PAGE_SEGMENTATION = 3  # automatic layout, no orientation detection (tesserocr.PSM.AUTO)
# Treat every line as proportional text: no fixed-pitch test or chopping (see above).
TESSERACT_SETTINGS = (("textord_all_prop", "1"),)
# Where Debian (5 and 4.x), other distributions and a source build put the language data;
# DOCUMENTS_TESSDATA_DIR or TESSDATA_PREFIX names another.
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata")
# A page whose first reading has more Latin letters than CJK characters is read again with
# every configured language.
_LATIN = re.compile(r"[A-Za-z]")
_CJK_TEXT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class OcrFailed(Exception):
    pass


def tessdata_dir(languages: str, configured: str | None = None) -> str | None:
    """The folder holding every language of `languages` ("chi_sim+eng"), or None."""
    for folder in ([configured] if configured else TESSDATA_DIRS):
        if all((Path(folder) / f"{language}.traineddata").is_file() for language in languages.split("+")):
            return str(folder)
    return None


def _configured_tessdata() -> str | None:
    return settings.DOCUMENTS_TESSDATA_DIR or os.environ.get("TESSDATA_PREFIX") or None


def library_installed() -> bool:
    """Whether the tesserocr wheel (Tesseract itself) imports here."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=4)
def _available(languages: str) -> bool:
    return library_installed() and tessdata_dir(languages, _configured_tessdata()) is not None


def available() -> bool:
    """Tesseract (the tesserocr wheel) and the data of every configured language are installed."""
    return _available(settings.DOCUMENTS_OCR_LANGUAGES)


# Engines not in use, by language set. An engine is one Tesseract with its models loaded (~0.15 s
# to make, see above): kept for the next page of this process, used by one thread at a time.
_idle: dict[str, list] = {}
_idle_lock = threading.Lock()


def _forget_engines() -> None:
    # A forked child (Celery's pool) makes its own engines, under a lock no thread of the parent
    # may have been holding at the fork.
    global _idle_lock
    _idle_lock = threading.Lock()
    _idle.clear()


os.register_at_fork(after_in_child=_forget_engines)


def _new_engine(languages: str):
    import tesserocr

    folder = tessdata_dir(languages, _configured_tessdata())
    if folder is None:
        raise OcrFailed(f"Tesseract language data for {languages} is not installed")
    try:
        engine = tesserocr.PyTessBaseAPI(path=folder, lang=languages, psm=PAGE_SEGMENTATION)
    except RuntimeError as exc:
        raise OcrFailed(str(exc)) from exc
    for name, value in TESSERACT_SETTINGS:
        engine.SetVariable(name, value)
    return engine


@contextmanager
def _engine(languages: str):
    with _idle_lock:
        idle = _idle.setdefault(languages, [])
        engine = idle.pop() if idle else None
    if engine is None:
        engine = _new_engine(languages)
    try:
        yield engine
    finally:
        engine.Clear()  # the page's image and results, not the models
        with _idle_lock:
            _idle.setdefault(languages, []).append(engine)


def ocr_image(path: Path, *, dpi: int | None = None) -> str:
    """The text of one page image (PNG, PGM, TIFF, JPEG …). `dpi`: its resolution, for an image
    that does not carry one (PGM). Tesseract otherwise guesses it from the text, and a wrong
    guess breaks the layout: 12 lines of 8 pt at 200 dpi, taken for 262 dpi, came out cut into
    pieces out of order (0.62 against 0.98 of the text in reading order)."""
    languages = settings.DOCUMENTS_OCR_LANGUAGES
    primary = languages.split("+")[0]
    text = _tesseract(path, primary, dpi)
    if primary != languages and _mostly_latin(text):
        text = _tesseract(path, languages, dpi)
    return normalize_ocr_text(text)


def _mostly_latin(text: str) -> bool:
    return len(_LATIN.findall(text)) > len(_CJK_TEXT.findall(text))


def _tesseract(path: Path, languages: str, dpi: int | None = None) -> str:
    with _engine(languages) as engine:
        try:
            engine.SetImageFile(str(path))
        except (OSError, RuntimeError) as exc:
            raise OcrFailed(f"unreadable page image: {exc}") from exc
        if dpi:
            engine.SetSourceResolution(dpi)
        # False on failure and when the deadline passes (Tesseract then stops the page).
        if not engine.Recognize(timeout=int(TIMEOUT_SECONDS * 1000)):
            raise OcrFailed(f"Tesseract gave no text (failed, or over {TIMEOUT_SECONDS} s)")
        return engine.GetUTF8Text()


def normalize_ocr_text(text: str) -> str:
    """Tesseract separates Chinese characters with spaces ("客 户 档 案"); drop spaces between
    CJK characters so words are whole again for search."""
    cjk = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
    return re.sub(rf"(?<=[{cjk}])[ \t]+(?=[{cjk}])", "", text).strip()
