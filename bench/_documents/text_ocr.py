"""Text and OCR throughput: dense Chinese A4 pages through `documents.extract.analyse` (a text
layer) and `documents.ocr.ocr_image` (300-dpi scans), one process per core."""
from __future__ import annotations

import difflib
import multiprocessing
import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.lib.runner import log
from tests.fonts import cjk_font_path

from .chinese import chinese_text
from .harness import SEED


def text_pdf(path: Path, pages: int, rng: random.Random) -> int:
    """A dense A4 PDF with a Chinese text layer (reportlab's STSong-Light, ~1,500 characters a page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    canvas = Canvas(str(path), pagesize=A4)
    characters = 0
    for _ in range(pages):
        canvas.setFont("STSong-Light", 11)
        text = chinese_text(rng, 40 * 42)
        for line in range(42):
            row = text[line * 40:(line + 1) * 40]
            canvas.drawString(50, 790 - 18 * line, row)
            characters += len(row)
        canvas.showPage()
    canvas.save()
    return characters


def _analyse(path: str) -> tuple[int, int]:
    from dangan.documents import extract

    found = extract.analyse(Path(path), "application/pdf")
    return found.page_count or 0, len(found.text)


def scan_page(path: Path, font_path: str, rng: random.Random) -> str:
    """A dense Chinese A4 page as a 300-dpi grey scan (10.5 pt text): what was printed on it."""
    from PIL import Image, ImageDraw, ImageFont

    width, height, margin, size, leading = 2480, 3508, 220, 44, 66
    font = ImageFont.truetype(font_path, size)
    per_line, lines = (width - 2 * margin) // size, (height - 2 * margin) // leading
    text = chinese_text(rng, per_line * lines)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    printed = []
    for line in range(lines):
        row = text[line * per_line:(line + 1) * per_line]
        draw.text((margin, margin + leading * line), row, font=font, fill=0)
        printed.append(row)
    image.save(path, format="PNG", dpi=(300, 300))
    return "\n".join(printed)


def _ocr(path: str) -> tuple[str, float]:
    """The text, and the CPU seconds Tesseract spent on it (a busy machine inflates wall time,
    not CPU time): this pool process's own (Tesseract runs in it, documents/ocr.py) and its
    children's."""
    import resource

    from dangan.documents import ocr

    def spent() -> float:
        return sum(usage.ru_utime + usage.ru_stime for usage in (
            resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))

    before = spent()
    text = ocr.ocr_image(Path(path))
    return text, spent() - before


def _ocr_default_threading(path: str) -> str:
    from django.conf import settings

    env = {name: value for name, value in os.environ.items() if name != "OMP_THREAD_LIMIT"}
    result = subprocess.run(["tesseract", path, "stdout", "-l", settings.DOCUMENTS_OCR_LANGUAGES, "--psm", "3"],
                            capture_output=True, env=env, timeout=900, check=True)
    return result.stdout.decode("utf-8", "replace")


def scanned_pdf_pages_per_min(scans: list[str], folder: Path) -> float:
    from PIL import Image

    from dangan.documents import extract

    pdf = folder / "scanned.pdf"
    pages = [Image.open(path) for path in scans]
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=300)  # JPEG pages, as scanners make
    start = time.perf_counter()
    text = extract.ocr_text(pdf, "application/pdf")
    elapsed = time.perf_counter() - start
    assert len(text) > 500 * len(scans), len(text)
    log(f"OCR of a scanned PDF: {len(scans)} pages in {elapsed:.1f} s")
    return round(len(scans) / elapsed * 60, 2)


def measure_text_and_ocr(size: dict) -> tuple[dict, dict, dict]:
    from dangan.documents import ocr

    metrics, baseline, params = {}, {}, {}
    processes = os.cpu_count() or 1
    fork = multiprocessing.get_context("fork")
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="dangan-bench-") as folder:
        pdfs, characters = [], 0
        for n in range(size["pdf_documents"]):
            path = Path(folder) / f"text-{n}.pdf"
            characters += text_pdf(path, size["pdf_pages_each"], rng)
            pdfs.append(str(path))
        with fork.Pool(processes) as pool:
            start = time.perf_counter()
            results = pool.map(_analyse, pdfs, chunksize=1)
            elapsed = time.perf_counter() - start
        pages = sum(count for count, _ in results)
        metrics["text_pdf_pages_per_min"] = round(pages / elapsed * 60, 1)
        params.update(text_pdf_pages=pages, text_pdf_processes=processes,
                      text_pdf_characters_printed=characters,
                      text_pdf_characters_extracted=sum(chars for _, chars in results))
        log(f"PDF text: {pages} pages in {elapsed:.1f} s")

        font = cjk_font_path()
        if not ocr.available() or font is None:
            reason = "tesseract with chi_sim+eng is not installed" if not ocr.available() else "no CJK font to render"
            metrics["ocr_pages_per_min"] = baseline["ocr_pages_per_min"] = None
            params["ocr_unavailable"] = reason
            log(f"OCR not measured: {reason}")
            return metrics, baseline, params
        scans, truths = [], []
        for n in range(max(size["ocr_pages"], size["ocr_baseline_pages"])):
            path = Path(folder) / f"scan-{n}.png"
            truths.append(scan_page(path, font, rng))
            scans.append(str(path))
        with fork.Pool(processes) as pool:
            start = time.perf_counter()
            results = pool.map(_ocr, scans[:size["ocr_pages"]], chunksize=1)
            elapsed = time.perf_counter() - start
        texts = [text for text, _ in results]
        cpu_per_page = statistics.mean(cpu for _, cpu in results)
        metrics["ocr_pages_per_min"] = round(size["ocr_pages"] / elapsed * 60, 2)
        metrics["ocr_cpu_s_per_page"] = round(cpu_per_page, 2)
        metrics["ocr_pages_per_min_at_full_cpu"] = round(processes * 60 / cpu_per_page, 1)
        strip = lambda text: "".join(text.split())  # noqa: E731
        metrics["ocr_character_accuracy"] = round(statistics.mean(
            difflib.SequenceMatcher(None, strip(truth), strip(text), autojunk=False).ratio()
            for truth, text in zip(truths, texts)), 3)
        params.update(ocr_pages=size["ocr_pages"], ocr_processes=processes, ocr_font=font,
                      ocr_tesseract_settings=list(ocr.TESSERACT_SETTINGS),
                      ocr_page="A4 at 300 dpi, 2480×3508 grey, 44 px (10.5 pt) text, "
                               f"{len(truths[0].replace(chr(10), ''))} characters")
        log(f"OCR: {size['ocr_pages']} pages in {elapsed:.1f} s, accuracy {metrics['ocr_character_accuracy']}")
        # The same pages as one scanned PDF through the pipeline's own path: pdftoppm renders each
        # page, its pages are read side by side (extract.ocr_text), rendering included.
        metrics["ocr_pdf_pages_per_min"] = scanned_pdf_pages_per_min(scans[:size["ocr_pages"]], Path(folder))
        if size["ocr_baseline_pages"]:
            start = time.perf_counter()
            for path in scans[:size["ocr_baseline_pages"]]:
                _ocr_default_threading(path)
            elapsed = time.perf_counter() - start
            baseline["ocr_pages_per_min"] = round(size["ocr_baseline_pages"] / elapsed * 60, 2)
            params["ocr_baseline"] = "tesseract with its default (OpenMP) threading, one page at a time"
        else:
            baseline["ocr_pages_per_min"] = None
    return metrics, baseline, params
