"""Previews (documents/extract.py `thumbnail`): what the file list and the preview dialog show."""
from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from dangan.documents.extract import THUMBNAIL_SIZE, placeholder, thumbnail

from .helpers import png_bytes


def _pdf_with_a_black_band() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    canvas.rect(0, 0, A4[0], A4[1] / 2, stroke=0, fill=1)  # the lower half black
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# pdftoppm is Debian's poppler-utils: `make test` installs it (make system-packages), as for the
# OCR tests; a machine where it cannot (no root) has no PDF previews to test, and the app shows the
# placeholder there, which test_an_unreadable_pdf_gets_the_placeholder covers.
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="no pdftoppm (poppler-utils) to render PDF pages")
def test_a_pdf_preview_is_its_first_page_and_leaves_no_file_behind(tmp_path, monkeypatch):
    source = tmp_path / "in" / "contract.pdf"
    source.parent.mkdir()
    source.write_bytes(_pdf_with_a_black_band())
    working = tmp_path / "working"
    working.mkdir()
    monkeypatch.chdir(working)  # poppler 22 once wrote the page to ./-.png here

    preview = thumbnail(source, "application/pdf")

    assert preview != placeholder("PDF")
    with Image.open(io.BytesIO(preview)) as image:
        assert image.format == "PNG" and max(image.size) == max(THUMBNAIL_SIZE)
        assert image.height > image.width  # portrait A4
        grey = image.convert("L")
        assert grey.getpixel((image.width // 2, image.height // 4)) > 200  # upper half white
        assert grey.getpixel((image.width // 2, image.height * 3 // 4)) < 50  # lower half black
    assert list(working.iterdir()) == []
    assert list(source.parent.iterdir()) == [source]


def test_an_unreadable_pdf_gets_the_placeholder(tmp_path, monkeypatch):
    source = tmp_path / "broken.pdf"
    source.write_bytes(b"%PDF-1.4\nnot really a pdf")
    monkeypatch.chdir(tmp_path)
    assert thumbnail(source, "application/pdf") == placeholder("PDF")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.pdf"]


def test_an_image_preview_fits_the_thumbnail_size(tmp_path):
    source = tmp_path / "scan.png"
    source.write_bytes(png_bytes(size=(1200, 600)))
    with Image.open(io.BytesIO(thumbnail(source, "image/png"))) as image:
        assert image.size == (320, 160)
