"""Archive bag labels: a real PDF with the bag's fields in Chinese and a QR code to the file."""
from __future__ import annotations

import io

from pypdf import PdfReader

from dangan.documents import labels


def data(**overrides) -> labels.LabelData:
    values = dict(unit_no="3-1-502", customer_name="张三", contract_no="HT-2026-001", signing_date="2026-03-08",
                  salesperson="李四", payment_method="商业贷款", archive_number="GF-2026-00001",
                  url="http://demo.localhost:8000/customers/7/")
    values.update(overrides)
    return labels.LabelData(**values)


def test_single_label_and_a4_sheet_pages():
    single = PdfReader(io.BytesIO(labels.render_labels([data(), data()], layout="single")))
    assert len(single.pages) == 2
    width, height = (float(v) for v in single.pages[0].mediabox.upper_right)
    assert round(width / 72 * 25.4) == 100 and round(height / 72 * 25.4) == 70  # 100 × 70 mm
    sheet = PdfReader(io.BytesIO(labels.render_labels([data() for _ in range(9)], layout="sheet")))
    assert len(sheet.pages) == 2  # eight labels to an A4 page
    assert round(float(sheet.pages[0].mediabox.upper_right[0])) == 595


def test_label_shows_every_field_in_chinese_with_a_cjk_font():
    pdf = labels.render_labels([data()], layout="single")
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    for value in ("GF-2026-00001", "HT-2026-001", "2026-03-08", "3-1-502"):
        assert value in text
    for value in ("张三", "李四", "商业贷款", "房号", "合同号", "签约日期", "付款方式"):
        assert value in text, text
    font, embedded = labels.label_font()
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
    assert any(font.split("-")[0] in name or (embedded and "+" in name) for name in names), names


def test_qr_code_encodes_the_file_url():
    import qrcode

    code = qrcode.QRCode(border=0)
    code.add_data("http://demo.localhost:8000/customers/7/")
    code.make(fit=True)
    matrix = code.get_matrix()
    pdf = labels.render_labels([data()], layout="single")
    # the QR modules are drawn as filled squares: as many as the matrix has dark cells
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    assert content.count(" re f") >= sum(cell for row in matrix for cell in row)


def test_long_values_are_whole_on_a_sheet_label():
    # The numbers a clerk looks for on the bag: an archive number of the default pattern with a
    # long region code, beside the QR code, and a long customer name above it.
    long = data(archive_number="JXS-NORTHEAST-2026-00017", customer_name="北京康泰医药连锁有限公司",
                contract_no="HT-2026-BJ-000123")
    text = PdfReader(io.BytesIO(labels.render_labels([long], layout="sheet"))).pages[0].extract_text()
    for value in ("JXS-NORTHEAST-2026-00017", "北京康泰医药连锁有限公司", "HT-2026-BJ-000123"):
        assert value in text, text
    assert "…" not in text
