"""What the pipeline learns from a file on the worker's disk: page count, text (PDF text layer,
OFD text, or OCR), and a thumbnail. Pure functions of a local path and the sniffed type."""
from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from . import ocr

THUMBNAIL_SIZE = (320, 320)
# Rendering scanned PDF pages lower would save no OCR time (Tesseract's cost follows the amount
# of text, not of pixels: ocr.py) and would risk small print.
OCR_DPI = 300
# A page whose text layer has fewer characters than this is a scan (or a stamp): OCR it.
MIN_TEXT_CHARS_PER_PAGE = 8
MAX_OCR_PAGES = 200  # a 1,000-page scan is OCRed up to here; the rest stays unsearchable
RENDER_TIMEOUT = 120


@dataclass
class Extracted:
    page_count: int | None
    text: str
    needs_ocr: bool


class ExtractFailed(Exception):
    pass


def analyse(path: Path, mime: str) -> Extracted:
    if mime == "application/pdf":
        return _analyse_pdf(path)
    if mime == "application/ofd":
        return _analyse_ofd(path)
    if mime in ("image/jpeg", "image/png", "image/tiff"):
        try:
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1) if mime == "image/tiff" else 1
        except (OSError, Image.DecompressionBombError) as exc:
            raise ExtractFailed(f"image unreadable: {exc}") from exc
        return Extracted(page_count=frames, text="", needs_ocr=True)
    return Extracted(page_count=None, text="", needs_ocr=False)


def _analyse_pdf(path: Path) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            reader.decrypt("")  # many scanners "encrypt" with an empty user password
        texts = []
        for page in reader.pages:
            try:
                texts.append(page.extract_text() or "")
            except Exception:  # noqa: BLE001 — one broken page must not lose the others
                texts.append("")
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise ExtractFailed(f"PDF unreadable: {exc}") from exc
    count = len(texts)
    chars = sum(len(re.sub(r"\s+", "", text)) for text in texts)
    text = "\n".join(texts).strip()
    return Extracted(page_count=count, text=text, needs_ocr=count > 0 and chars < MIN_TEXT_CHARS_PER_PAGE * count)


_OFD_PAGE = re.compile(r"(^|/)Pages/Page_\d+/Content\.xml$", re.IGNORECASE)
_OFD_TEXT = re.compile(r"<(?:ofd:)?TextCode\b[^>]*>(.*?)</(?:ofd:)?TextCode>", re.DOTALL)


def _analyse_ofd(path: Path) -> Extracted:
    import html

    try:
        with zipfile.ZipFile(path) as archive:
            pages = sorted(name for name in archive.namelist() if _OFD_PAGE.search(name))
            texts = []
            for name in pages:
                info = archive.getinfo(name)
                if info.file_size > 20 * 1024 * 1024:  # a page description this large is a bomb
                    continue
                content = archive.read(name).decode("utf-8", "replace")
                texts.append("".join(html.unescape(match) for match in _OFD_TEXT.findall(content)))
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise ExtractFailed(f"OFD unreadable: {exc}") from exc
    return Extracted(page_count=len(pages) or None, text="\n".join(texts).strip(), needs_ocr=False)


# --- OCR -------------------------------------------------------------------------------------------

# Pages of one document are read side by side, one single-threaded Tesseract per core (see
# ocr.py). A worker that already runs one task per core oversubscribes by this factor at worst,
# which single-threaded processes only time-share (it was OpenMP's spinning threads that made
# oversubscription so costly); a lone large scan finishes `OCR_PROCESSES` times sooner.
OCR_PROCESSES = max(1, os.cpu_count() or 1)


def ocr_text(path: Path, mime: str) -> str:
    """OCR every page (up to MAX_OCR_PAGES). Raises ocr.OcrFailed / ExtractFailed."""
    if mime in ("image/jpeg", "image/png"):
        return ocr.ocr_image(path)
    with tempfile.TemporaryDirectory(prefix="dangan-ocr-") as folder:
        if mime == "application/pdf" and shutil.which("pdftoppm"):
            pages = [functools.partial(_render_pdf_page, path, number, Path(folder))
                     for number in range(1, min(_pdf_page_count(path), MAX_OCR_PAGES) + 1)]
        else:
            pages = _page_images(path, mime, Path(folder))
        if len(pages) <= 1:
            return "\n".join(_ocr_page(page) for page in pages).strip()
        # Threads suffice: each one waits on its own pdftoppm and Tesseract processes.
        pool = ThreadPoolExecutor(max_workers=min(OCR_PROCESSES, len(pages)), thread_name_prefix="ocr")
        try:
            return "\n".join(pool.map(_ocr_page, pages)).strip()
        finally:
            pool.shutdown(cancel_futures=True)  # one failed page: the pages not started yet are not read


def _ocr_page(page: Path | functools.partial) -> str:
    """OCR one page: an image on disk, or the call that renders it (in this thread) as a PGM at
    OCR_DPI, which the PGM itself does not record."""
    if isinstance(page, Path):
        image, dpi = page, None
    else:
        image, dpi = page(), OCR_DPI
    try:
        return ocr.ocr_image(image, dpi=dpi)
    finally:
        image.unlink(missing_ok=True)  # a 300-dpi page is ~9 MB: the folder holds only pages in flight


def _pdf_page_count(path: Path) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            reader.decrypt("")
        return len(reader.pages)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise ExtractFailed(f"PDF unreadable: {exc}") from exc


def _render_pdf_page(path: Path, number: int, folder: Path) -> Path:
    """One page as a grey PGM at OCR_DPI. PGM, not PNG: pdftoppm spent ~4 s of CPU compressing
    one 300-dpi scan to PNG (and Tesseract more decompressing it) against ~0.3 s for PGM."""
    stem = folder / f"page-{number:04d}"
    try:
        subprocess.run(["pdftoppm", "-r", str(OCR_DPI), "-gray", "-f", str(number), "-l", str(number), "-singlefile",
                        str(path), str(stem)], check=True, capture_output=True, timeout=RENDER_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ExtractFailed(f"pdftoppm failed on page {number}: {exc}") from exc
    return stem.with_suffix(".pgm")


def _page_images(path: Path, mime: str, folder: Path) -> list[Path]:
    if mime == "image/tiff":
        out = []
        with Image.open(path) as image:
            for index in range(min(getattr(image, "n_frames", 1), MAX_OCR_PAGES)):
                image.seek(index)
                # An uncompressed TIFF, as cheap to write as a PGM, keeps the scan's resolution
                # for Tesseract (see ocr.ocr_image).
                target = folder / f"page-{index:04d}.tif"
                dpi = image.info.get("dpi")
                image.convert("L").save(target, compression="raw", **({"dpi": dpi} if dpi else {}))
                out.append(target)
        return out
    if mime == "application/pdf":
        return _pdf_embedded_images(path, folder)
    return []


def _pdf_embedded_images(path: Path, folder: Path) -> list[Path]:
    """Without pdftoppm: a scanned PDF is one image per page; OCR those images."""
    from pypdf import PdfReader

    out = []
    reader = PdfReader(str(path))
    for index, page in enumerate(reader.pages[:MAX_OCR_PAGES]):
        try:
            images = list(page.images)
        except Exception:  # noqa: BLE001 — an undecodable image filter: skip the page
            continue
        for number, embedded in enumerate(images[:4]):
            target = folder / f"page-{index:04d}-{number}.pgm"
            embedded.image.convert("L").save(target)
            out.append(target)
    return out


# --- thumbnails ------------------------------------------------------------------------------------

def thumbnail(path: Path, mime: str) -> bytes:
    """A PNG preview of the first page: Pillow for images, pdftoppm for PDFs where installed,
    a labelled placeholder otherwise."""
    if mime in ("image/jpeg", "image/png", "image/tiff"):
        with Image.open(path) as image:
            image.seek(0)
            return _png(ImageOps.exif_transpose(image))
    if mime == "application/pdf" and shutil.which("pdftoppm"):
        # Rendered into a folder of its own: poppler 22 takes an output root of "-" for a file
        # name (it wrote the customer's first page to ./-.png in the worker's working folder and
        # nothing to stdout, so every PDF got the placeholder).
        with tempfile.TemporaryDirectory(prefix="dangan-thumb-") as folder:
            root = Path(folder) / "page"
            try:
                subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-scale-to", str(max(THUMBNAIL_SIZE)),
                                "-png", "-singlefile", str(path), str(root)], capture_output=True, check=True,
                               timeout=RENDER_TIMEOUT)
                with Image.open(root.with_suffix(".png")) as image:
                    return _png(image)
            except (OSError, subprocess.SubprocessError):
                pass  # a PDF pdftoppm cannot render still gets the placeholder
    return placeholder({"application/pdf": "PDF", "application/ofd": "OFD"}.get(mime, "FILE"))


def _png(image: Image.Image) -> bytes:
    image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def placeholder(label: str) -> bytes:
    width, height = 226, 320  # A4 proportions
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width - 1, height - 1], outline=(160, 160, 160), width=2)
    try:
        font = ImageFont.load_default(size=40)
    except TypeError:  # Pillow < 10.1 has no sized default font
        font = ImageFont.load_default()
    box = draw.textbbox((0, 0), label, font=font)
    draw.text(((width - (box[2] - box[0])) / 2, (height - (box[3] - box[1])) / 2), label, fill=(90, 90, 90), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
