"""OCR of a page and of a scanned document: one reading with the first language, another with
every language only for a mostly-Latin page, with Tesseract's fixed-pitch chopping off; small
print (8 pt) and English still read; a scanned PDF rendered page by page (grey PGM), its pages
read side by side and joined in page order."""
from __future__ import annotations

import difflib
import io
import math
import os
import threading
from pathlib import Path

import pytest

from dangan.documents import extract, ocr

from .test_processing import chinese_scan_png, cjk_font_path, needs_tesseract


def scanned_pdf(pages: list[bytes]) -> bytes:
    """A PDF whose pages are only images (no text layer), as a scanner makes them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for page in pages:
        image = ImageReader(io.BytesIO(page))
        width, height = image.getSize()
        canvas.drawImage(image, 40, 500, width=width * 72 / 300, height=height * 72 / 300)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_a_page_is_read_with_the_first_language_and_again_with_all_only_when_mostly_latin(settings, monkeypatch):
    settings.DOCUMENTS_OCR_LANGUAGES = "chi_sim+eng"
    readings = {"chinese.png": {"chi_sim": "客 户 档 案 HT-2026"},
                "english.png": {"chi_sim": "Thc contract bctween", "chi_sim+eng": "The contract between"}}
    calls = []

    def tesseract(path, languages, dpi):
        calls.append((path.name, languages))
        return readings[path.name][languages]

    monkeypatch.setattr(ocr, "_tesseract", tesseract)
    assert ocr.ocr_image(Path("chinese.png")) == "客户档案 HT-2026"  # spaces between CJK dropped
    assert calls == [("chinese.png", "chi_sim")]
    calls.clear()
    assert ocr.ocr_image(Path("english.png")) == "The contract between"
    assert calls == [("english.png", "chi_sim"), ("english.png", "chi_sim+eng")]

    settings.DOCUMENTS_OCR_LANGUAGES = "chi_sim"  # one language: never a second reading
    calls.clear()
    assert ocr.ocr_image(Path("english.png")) == "Thc contract bctween"
    assert calls == [("english.png", "chi_sim")]


def test_a_scanned_pdf_is_rendered_page_by_page_and_read_in_page_order(tmp_path, monkeypatch):
    from PIL import Image

    pages = []
    for shade in (0, 80, 160):
        out = io.BytesIO()
        Image.new("L", (600, 200), shade).save(out, format="PNG", dpi=(300, 300))
        pages.append(out.getvalue())
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf(pages))
    rendered, threads = {}, set()

    def read(image: Path, dpi: int | None = None) -> str:
        with Image.open(image) as page:
            rendered[image] = (page.format, page.mode, page.size, dpi)  # a PGM records no resolution
        threads.add(threading.current_thread().name)
        return f"第{int(image.stem.removeprefix('page-'))}页"

    monkeypatch.setattr(ocr, "ocr_image", read)
    monkeypatch.setattr(extract, "OCR_PROCESSES", 2)
    assert extract.ocr_text(path, "application/pdf") == "第1页\n第2页\n第3页"
    assert sorted(image.name for image in rendered) == ["page-0001.pgm", "page-0002.pgm", "page-0003.pgm"]
    # grey PGM, the A4 page (595.27 × 841.89 pt) at OCR_DPI, as pdftoppm rounds: 2481 × 3508 at 300 dpi
    a4 = (math.ceil(595.27 * extract.OCR_DPI / 72), math.ceil(841.89 * extract.OCR_DPI / 72))
    assert set(rendered.values()) == {("PPM", "L", a4, extract.OCR_DPI)}
    assert not any(image.exists() for image in rendered)  # each page removed once read
    assert threads and all(name.startswith("ocr") for name in threads)


# Skips only on a machine without Tesseract or a CJK font to draw the scan with (as the other OCR
# tests, test_processing.py); `make test` installs both (Makefile system-packages), so CI runs it.
@needs_tesseract
@pytest.mark.skipif(cjk_font_path() is None, reason="no CJK font (fonts-noto-cjk) to render the scan")
def test_tesseract_reads_every_page_of_a_scanned_pdf_in_order(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf([chinese_scan_png(["客户档案管理制度"]), chinese_scan_png(["购房合同备案表"])]))
    text = extract.ocr_text(path, "application/pdf")
    assert "档案" in text and "备案" in text, text
    assert text.index("档案") < text.index("备案"), text


@needs_tesseract
def test_an_engine_reads_lines_as_proportional_text_with_automatic_layout_single_threaded():
    """Every reading skips Tesseract's fixed-pitch chopping (textord_all_prop, see ocr.py: it cost
    CPU and garbled whole lines of evenly spaced Chinese), lays the page out automatically and
    runs with one thread."""
    with ocr._engine("chi_sim") as engine:
        assert engine.GetVariableAsString("textord_all_prop") == "1"
        assert int(engine.GetPageSegMode()) == ocr.PAGE_SEGMENTATION == 3
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


@needs_tesseract
def test_engines_are_kept_for_the_next_page_one_per_thread_at_a_time():
    with ocr._engine("chi_sim") as first:
        with ocr._engine("chi_sim") as second:  # in use: another one is made
            assert second is not first
    with ocr._engine("chi_sim") as again:
        assert again in (first, second)  # kept, models loaded


class RecordingEngine:
    def __init__(self, recognized: bool = True):
        self.calls, self.recognized = [], recognized

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return {"Recognize": self.recognized, "GetUTF8Text": "客 户"}.get(name)
        return call


def test_a_page_is_read_with_its_resolution_when_given_and_within_the_time_limit(monkeypatch, tmp_path):
    engine = RecordingEngine()
    monkeypatch.setattr(ocr, "_idle", {})
    monkeypatch.setattr(ocr, "_new_engine", lambda languages: engine)
    assert ocr._tesseract(tmp_path / "page.pgm", "chi_sim", 200) == "客 户"
    assert [name for name, _, _ in engine.calls] == [
        "SetImageFile", "SetSourceResolution", "Recognize", "GetUTF8Text", "Clear"]
    assert engine.calls[1][1] == (200,)
    assert engine.calls[2][2] == {"timeout": ocr.TIMEOUT_SECONDS * 1000}
    engine.calls.clear()
    ocr._tesseract(tmp_path / "page.png", "chi_sim")  # the image's own resolution, or Tesseract's estimate
    assert "SetSourceResolution" not in [name for name, _, _ in engine.calls]


def test_a_page_tesseract_gives_up_on_fails_and_its_engine_is_kept(monkeypatch, tmp_path):
    engine = RecordingEngine(recognized=False)
    monkeypatch.setattr(ocr, "_idle", {})
    monkeypatch.setattr(ocr, "_new_engine", lambda languages: engine)
    with pytest.raises(ocr.OcrFailed):
        ocr._tesseract(tmp_path / "page.png", "chi_sim")
    assert ocr._idle["chi_sim"] == [engine] and engine.calls[-1][0] == "Clear"


@needs_tesseract
def test_a_page_over_the_time_limit_or_unreadable_fails(monkeypatch, tmp_path):
    page = tmp_path / "page.png"
    page.write_bytes(chinese_scan_png(["客户档案管理制度"] * 12))
    monkeypatch.setattr(ocr, "TIMEOUT_SECONDS", 0.001)
    with pytest.raises(ocr.OcrFailed):
        ocr._tesseract(page, "chi_sim")
    monkeypatch.undo()
    with pytest.raises(ocr.OcrFailed):
        ocr._tesseract(tmp_path / "missing.png", "chi_sim")
    assert "档案" in ocr._tesseract(page, "chi_sim").replace(" ", "")  # the engines still work


def test_language_data_is_looked_for_where_it_is_installed(tmp_path):
    assert ocr.tessdata_dir("chi_sim", str(tmp_path)) is None
    (tmp_path / "chi_sim.traineddata").write_bytes(b"x")
    assert ocr.tessdata_dir("chi_sim", str(tmp_path)) == str(tmp_path)
    assert ocr.tessdata_dir("chi_sim+eng", str(tmp_path)) is None  # every language, or none


def test_tiff_pages_keep_their_resolution(tmp_path):
    """A multi-page TIFF is read page by page from uncompressed TIFFs that keep the scan's
    resolution (a PGM would not: Tesseract then guesses it, badly for a 200-dpi fax)."""
    from PIL import Image

    path = tmp_path / "fax.tif"
    first, second = Image.new("1", (800, 400), 1), Image.new("1", (800, 400), 0)
    first.save(path, save_all=True, append_images=[second], dpi=(200, 200))
    pages = extract._page_images(path, "image/tiff", tmp_path)
    assert [page.name for page in pages] == ["page-0000.tif", "page-0001.tif"]
    for page in pages:
        with Image.open(page) as image:
            assert (image.format, image.mode) == ("TIFF", "L")
            assert [round(value) for value in image.info["dpi"]] == [200, 200]


def small_print(lines: list[str], font_path: str, pixels: int, leading: float = 2.0):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path, pixels)
    image = Image.new("L", (2000, round(leading * pixels * (len(lines) + 1))), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((60, pixels + round(leading * pixels * index)), line, font=font, fill=0)
    return image


def small_print_png(lines: list[str], font_path: str, pixels: int) -> bytes:
    out = io.BytesIO()
    small_print(lines, font_path, pixels).save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


# Small print must survive the reading settings: 8 pt is 33 px at 300 dpi (the benchmark's pages
# are 10.5 pt); English is read again with every language (a mostly-Latin first reading).
# Skips only without Tesseract or a CJK font, like the test above; `make test` installs both.
@needs_tesseract
@pytest.mark.skipif(cjk_font_path() is None, reason="no CJK font (fonts-noto-cjk) to render the scan")
def test_tesseract_reads_8_pt_chinese_and_english(tmp_path, settings):
    settings.DOCUMENTS_OCR_LANGUAGES = "chi_sim+eng"
    chinese = ["客户档案管理制度第三条：合同编号与付款日期", "买受人应当在签约后三十日内办理备案登记手续"]
    path = tmp_path / "chinese.png"
    path.write_bytes(small_print_png(chinese, cjk_font_path(), 33))
    text = "".join(ocr.ocr_image(path).split())
    assert difflib.SequenceMatcher(None, "".join(chinese), text).ratio() >= 0.9, text
    english = ["The buyer shall register the contract within thirty days", "Invoice No. HT-2026-0412 dated 2026-11-27"]
    path = tmp_path / "english.png"
    path.write_bytes(small_print_png(english, cjk_font_path(), 33))
    text = " ".join(ocr.ocr_image(path).split())
    assert difflib.SequenceMatcher(None, " ".join(english), text).ratio() >= 0.9, text

