"""Watermarked page images: how a classified (密级) document is read, since it is never handed
out as a file. One page is rendered on the server (Pillow for images, pdftoppm for PDFs where
installed, else a scanned PDF's embedded page image through pypdf) and covered with tiled
diagonal text naming the viewer and the time, so a photographed screen still says who looked.

The text is drawn with a CJK font where the machine has one (fonts-noto-cjk, WenQuanYi …);
without one, the watermark falls back to ASCII (e-mail, user id, time) in DejaVu or Pillow's
built-in font, so it is never empty boxes."""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]
LATIN_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]
RENDER_DPI = 110  # readable on a screen; far below print quality, which is the point
MAX_EDGE = 1600  # pixels: a page image is for reading, not for reprinting
RENDER_TIMEOUT = 60
ANGLE = 30  # degrees
OPACITY = 90  # of 255: visible on white and on dark scans, the page stays readable


class PageOutOfRange(Exception):
    pass


@lru_cache(maxsize=1)
def _font_path() -> tuple[str | None, bool]:
    """(path, draws Chinese): the first CJK font installed, else a Latin one, else None."""
    for path in CJK_FONTS:
        if Path(path).exists():
            return path, True
    for path in LATIN_FONTS:
        if Path(path).exists():
            return path, False
    return None, False


def has_cjk_font() -> bool:
    return _font_path()[1]


def _font(size: int):
    path, _ = _font_path()
    if path:
        return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def watermark_text(*, name: str, email: str, user_id, at_text: str) -> str:
    if has_cjk_font():
        return f"{name} {email} {at_text} 仅供查阅"
    return f"{email} #{user_id} {at_text} VIEW ONLY"


def apply_watermark(image: Image.Image, text: str) -> Image.Image:
    """`image` with `text` tiled diagonally across all of it (a new RGB image): rows of text are
    drawn on a square layer as wide as the page's diagonal, rotated, and the middle cut out, so
    no corner is left bare."""
    base = image.convert("RGBA")
    width, height = base.size
    size = max(14, min(width, height) // 40)
    font = _font(size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    box = probe.textbbox((0, 0), text, font=font)
    text_w, text_h = box[2] - box[0], box[3] - box[1]
    diagonal = int((width ** 2 + height ** 2) ** 0.5) + 2
    layer = Image.new("RGBA", (diagonal, diagonal), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    gap_x, gap_y = text_w + size * 3, text_h + size * 4
    for row, y in enumerate(range(0, diagonal, gap_y)):
        for x in range(-(gap_x // 2) * (row % 2), diagonal, gap_x):
            draw.text((x, y), text, font=font, fill=(200, 30, 30, OPACITY))
    layer = layer.rotate(ANGLE, resample=Image.BICUBIC)
    left, top = (diagonal - width) // 2, (diagonal - height) // 2
    return Image.alpha_composite(base, layer.crop((left, top, left + width, top + height))).convert("RGB")


def _placeholder(text: str) -> Image.Image:
    image = Image.new("RGB", (850, 1100), "white")  # A4-ish at ~100 dpi
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 849, 1099], outline=(160, 160, 160), width=3)
    draw.text((60, 520), text, fill=(90, 90, 90), font=_font(36))
    return image


def _pdf_page(path: Path, page: int) -> Image.Image:
    if shutil.which("pdftoppm"):
        try:
            result = subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(RENDER_DPI), "-png",
                                     "-singlefile", str(path), "-"], capture_output=True, check=True,
                                    timeout=RENDER_TIMEOUT)
            with Image.open(io.BytesIO(result.stdout)) as image:
                image.load()
                return image.copy()
        except (OSError, subprocess.SubprocessError):
            pass
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        images = list(reader.pages[page - 1].images)
    except Exception:  # noqa: BLE001 — an unreadable page still gets a (watermarked) placeholder
        images = []
    if images:
        # A scan is one image per page: the largest is the page.
        largest = max(images, key=lambda embedded: embedded.image.width * embedded.image.height)
        return largest.image.copy()
    return _placeholder(f"PDF page {page}: no preview")


def render_page(path: Path, mime: str, page: int, page_count: int | None) -> Image.Image:
    """Page `page` (1-based) of the file at `path`."""
    total = page_count or 1
    if page < 1 or page > total:
        raise PageOutOfRange(page)
    if mime in ("image/jpeg", "image/png", "image/tiff"):
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            if page > frames:
                raise PageOutOfRange(page)
            image.seek(page - 1)
            return ImageOps.exif_transpose(image).convert("RGB")
    if mime == "application/pdf":
        return _pdf_page(path, page)
    return _placeholder(f"{mime or 'file'}: no preview")


def page_image(*, object_key: str, mime: str, page: int, page_count: int | None, text: str) -> bytes:
    """Fetch the object to a temporary file, render one page, shrink it, watermark it: JPEG bytes."""
    from dangan.documents.storage import object_store

    with tempfile.NamedTemporaryFile(prefix="dangan-page-") as handle:
        object_store().download_to(object_key, handle)
        handle.flush()
        image = render_page(Path(handle.name), mime, page, page_count)
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    out = io.BytesIO()
    apply_watermark(image, text).save(out, format="JPEG", quality=80)
    return out.getvalue()
