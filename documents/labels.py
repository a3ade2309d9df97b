"""Archive bag labels (档案袋标签, R4) as printable PDF: an A4 sheet of eight labels or one
label per page. Each shows unit number (房号), customer name, contract number, signing date,
salesperson, payment method and archive number, and a QR code that opens the file in the app.

Fonts: a TrueType CJK font found on the machine (DOCUMENTS_LABEL_FONT, WenQuanYi, Droid …) is
embedded (subset); without one, reportlab's built-in CID font STSong-Light is used, which every
PDF reader renders from its own Chinese fonts (Adobe's Asian font pack) — no file needed.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

A4_COLUMNS, A4_ROWS = 2, 4
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@dataclass
class LabelData:
    unit_no: str
    customer_name: str
    contract_no: str
    signing_date: str
    salesperson: str
    payment_method: str
    archive_number: str
    url: str

    def rows(self) -> list[tuple[str, str]]:
        return [("房号", self.unit_no), ("客户姓名", self.customer_name), ("合同号", self.contract_no),
                ("签约日期", self.signing_date), ("业务员", self.salesperson), ("付款方式", self.payment_method),
                ("档案编号", self.archive_number)]


def label_data(customer, *, url: str) -> LabelData:
    fields = customer.custom_fields or {}
    return LabelData(
        unit_no=str(fields.get("unit_no") or ""), customer_name=customer.name,
        contract_no=str(fields.get("contract_no") or ""), signing_date=str(fields.get("signing_date") or ""),
        salesperson=customer.owner.full_name or customer.owner.email, payment_method=str(fields.get("payment_method") or ""),
        archive_number=customer.archive_number, url=url)


@lru_cache(maxsize=1)
def label_font() -> tuple[str, bool]:
    """(font name, embedded?)"""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    configured = getattr(settings, "DOCUMENTS_LABEL_FONT", "") or os.environ.get("DOCUMENTS_LABEL_FONT", "")
    for path in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if path and os.path.exists(path):
            try:
                pdfmetrics.registerFont(TTFont("DanganCJK", path, subfontIndex=0))
                return "DanganCJK", True
            except (TTFError, OSError, KeyError):
                continue  # e.g. a CFF-outline OpenType font, which reportlab cannot embed
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light", False


def _qr(canvas, url: str, x: float, y: float, size: float) -> None:
    import qrcode

    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(x + col_index * cell, y + size - (row_index + 1) * cell, cell, cell, stroke=0, fill=1)


def _draw_label(canvas, data: LabelData, x: float, y: float, width: float, height: float, font: str) -> None:
    from reportlab.lib.units import mm

    canvas.setLineWidth(0.6)
    canvas.rect(x, y, width, height)
    pad = 4 * mm
    canvas.setFont(font, 13)
    canvas.drawString(x + pad, y + height - pad - 10, "客户档案袋")
    qr_size = min(26 * mm, height - 2 * pad - 6 * mm)
    _qr(canvas, data.url, x + width - pad - qr_size, y + pad, qr_size)
    line = (height - 2 * pad - 16) / len(data.rows())
    size = min(10.5, line * 0.8)
    qr_top = y + pad + qr_size
    for index, (label, value) in enumerate(data.rows()):
        baseline = y + height - pad - 16 - (index + 1) * line + 2
        canvas.setFont(font, size)
        canvas.drawString(x + pad, baseline, f"{label}：")
        value_x = x + pad + size * 5.6
        # Rows above the QR code have the label's whole width; the rows beside it stop short of it.
        text_right = x + width - pad if baseline - 2 > qr_top else x + width - 2 * pad - qr_size
        text = value or "—"
        # A value shrinks to fit (down to 60 % of the size) before it is shortened: the archive
        # number, the contract number are what a clerk looks for on the bag, whole.
        value_size = size
        while value_size > size * 0.6 and canvas.stringWidth(text, font, value_size) > text_right - value_x:
            value_size -= 0.25
        while len(text) > 1 and canvas.stringWidth(text, font, value_size) > text_right - value_x:
            text = text[:-2] + "…"
        canvas.setFont(font, value_size)
        canvas.drawString(value_x, baseline, text)
        canvas.setLineWidth(0.3)
        canvas.line(value_x, baseline - 2, text_right, baseline - 2)


def render_labels(items: list[LabelData], *, layout: str = "sheet") -> bytes:
    """`sheet`: A4 pages of 2 × 4 labels (95 × 68 mm); `single`: one 100 × 70 mm label per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    font, _ = label_font()
    out = io.BytesIO()
    if layout == "single":
        width, height = 100 * mm, 70 * mm
        canvas = Canvas(out, pagesize=(width, height))
        for data in items:
            _draw_label(canvas, data, 2 * mm, 2 * mm, width - 4 * mm, height - 4 * mm, font)
            canvas.showPage()
    else:
        page_w, page_h = A4
        margin_x, margin_y = 8 * mm, 10 * mm
        width = (page_w - 2 * margin_x) / A4_COLUMNS
        height = (page_h - 2 * margin_y) / A4_ROWS
        canvas = Canvas(out, pagesize=A4)
        per_page = A4_COLUMNS * A4_ROWS
        for index, data in enumerate(items):
            slot = index % per_page
            if index and slot == 0:
                canvas.showPage()
            column, row = slot % A4_COLUMNS, slot // A4_COLUMNS
            _draw_label(canvas, data, margin_x + column * width + 1.5 * mm,
                        page_h - margin_y - (row + 1) * height + 1.5 * mm, width - 3 * mm, height - 3 * mm, font)
        canvas.showPage()
    canvas.setTitle("档案袋标签")
    canvas.save()
    return out.getvalue()
