"""The import's fast .xlsx row reader gives exactly openpyxl's values, and the bulk path's
search tokens stay exactly archives/search.py's (no database needed)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from dangan.archives import search
from dangan.archives.importing import parsing, search_tokens

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _openpyxl_rows(data: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _fast_rows(data: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [tuple(row) for row in parsing.sheet_values(workbook.worksheets[0])]
    finally:
        workbook.close()


def _saved(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _with_sheet(data: bytes, sheet_xml: str) -> bytes:
    """The same workbook with its first sheet's XML replaced (cases openpyxl never writes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml.encode()
            target.writestr(item, content)
    return out.getvalue()


def test_typed_cells_read_as_openpyxl_reads_them():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["名称", "日期", "时间", "数量", "金额", "是否", "公式", "空"])
    sheet.append(["张三", dt.datetime(2026, 3, 8), dt.datetime(2026, 3, 8, 14, 30), 12, 120000.5, True, "=1+2", None])
    sheet.append([None, dt.date(1900, 1, 1), None, -3, 1e20, False, None, None])
    sheet.append([])  # an empty row in the middle
    sheet.append(["长文本" * 50, None, None, 0, 0.1, None, None, "最后"])
    sheet["K9"] = "远处的单元格"  # past the header's width, rows 6-8 missing
    data = _saved(workbook)
    assert _fast_rows(data) == _openpyxl_rows(data)
    assert _fast_rows(data)[1][:3] == ("张三", dt.datetime(2026, 3, 8), dt.datetime(2026, 3, 8, 14, 30))


def test_shared_strings_inline_strings_errors_and_cells_without_references():
    base = _saved(openpyxl.Workbook())
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>内联</t></is></c><c r="B1" t="str"><v>公式文本</v></c>'
        '<c r="C1" t="e"><v>#N/A</v></c><c r="D1" t="b"><v>1</v></c></row>'
        '<row><c t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c><c><v>7</v></c><c r="E2"><v>2.5</v></c>'
        '<c><v>1E3</v></c></row>'
        '<row r="5" spans="1:3"><c r="B5" t="d"><v>2026-03-08T00:00:00</v></c><c r="C5"/></row>'
        '</sheetData></worksheet>')
    data = _with_sheet(base, sheet)
    rows = _fast_rows(data)
    assert rows == _openpyxl_rows(data)
    assert rows[0] == ("内联", "公式文本", "#N/A", True)
    assert rows[1] == ("富文本", 7, None, None, 2.5, 1000.0)


def test_declared_dimension_bounds_rows_and_width_as_openpyxl_does():
    base = _saved(openpyxl.Workbook())
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><dimension ref="A1:C3"/><sheetData>'
        '<row r="1"><c r="A1"><v>1</v></c><c r="D1"><v>4</v></c></row>'
        '<row r="3"><c r="B3"><v>2</v></c></row>'
        '<row r="4"><c r="A4"><v>9</v></c></row>'
        '</sheetData></worksheet>')
    data = _with_sheet(base, sheet)
    assert _fast_rows(data) == _openpyxl_rows(data) == [(1, None, None), (None, None, None), (None, 2, None)]


def test_a_bad_cell_reference_fails_as_in_openpyxl():
    base = _saved(openpyxl.Workbook())
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
             '<row r="1"><c r="A1B"><v>1</v></c></row></sheetData></worksheet>')
    data = _with_sheet(base, sheet)
    with pytest.raises(ValueError):
        _openpyxl_rows(data)
    with pytest.raises(ValueError):
        _fast_rows(data)


def test_table_rows_skip_the_title_and_blank_rows():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["华东医药客户档案登记表"])
    sheet.append(["客户名称", "电话"])
    sheet.append(["甲", 13812345678])
    sheet.append([None, " "])
    sheet.append(["乙"])
    with parsing.open_table(io.BytesIO(_saved(workbook)), "xlsx") as table:
        assert (table.header_row, table.headers) == (2, ["客户名称", "电话"])
        assert [(row.number, row.position, row.values) for row in table.rows()] == [
            (3, 1, ("甲", 13812345678)), (5, 2, ("乙", None))]


@pytest.mark.parametrize("texts", [
    ["北京同仁大药房（朝阳区12店）", "北京市朝阳区人民路123号", "张伟", "13812345678", "c1@example.cn"],
    ["重庆长安汽车销售有限公司", "长沙市银行街 1 号", "单于", "020-12345678", ""],
    ["乐乐乐器行", "", "女", "", "", "略"],
])
def test_bulk_tokens_equal_the_search_modules_for_typical_rows(texts):
    name, *rest = texts
    for _ in range(2):  # the second round is answered from the memo
        assert search_tokens.document_tokens(archive_number="JXS-EAST-2026-00001", name=name, texts=rest) == \
            search.document_tokens(archive_number="JXS-EAST-2026-00001", name=name, texts=rest)


def test_the_merged_number_tokens_equal_a_full_sort():
    for name, texts, number in [("北京同仁大药房", ["北京市朝阳区", "王伟", "13812345678"], "JXS-EAST-2026-00001"),
                                ("张三", [], "GR-2026-00012"), ("ABC", ["abc"], "abc-2026-1")]:
        tokens = search_tokens.text_tokens(name=name, texts=texts)
        expected = search.document_tokens(archive_number=number, name=name, texts=texts)
        assert search_tokens.with_number(tokens, number, search_tokens.ordered_tokens(tokens)) == expected
        assert search_tokens.with_number(tokens, number) == expected


@pytest.mark.parametrize("pattern", ["{category}-{region}-{yyyy}-{seq:05}", "{seq}", "A{seq:0}B{mm}",
                                     "{dept}/{yy}{seq:3}", "{seq:012}-{category}"])
def test_the_split_number_pattern_renders_as_render_number(pattern):
    from dangan.archives.importing import bulk

    values = {"category": "JXS", "region": "EAST", "dept": "NA", "yyyy": "2026", "yy": "26", "mm": "03"}
    render = bulk.number_renderer(pattern, values)
    for seq in (1, 42, 99999, 123456):
        assert render(seq) == bulk.render_number(pattern, values, seq)


@pytest.mark.parametrize("body", [
    '<si><t>一\r\n二\r三</t></si><si><t>&#13;&#150;&#x4E2D;&#20013;</t></si><si/>'
    '<si><t>a&amp;b&lt;c&gt;d&quot;e&apos;</t></si>',
    '\r\n  <si><t xml:space="preserve">  空格  </t></si>\n<si><t><![CDATA[<b>原样</b>]]></t></si>',
    '<si><r><t>富</t></r><r><rPr><i/></rPr><t xml:space="preserve"> 文本\r\n</t></r></si><si><t>x005F_x</t></si>',
])
def test_the_plain_shared_string_reader_equals_openpyxls(body):
    from openpyxl.reader.strings import read_string_table

    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9">{body}</sst>').encode()
    assert parsing._plain_shared_strings(xml) is not None
    assert list(parsing.read_shared_strings(io.BytesIO(xml))) == list(read_string_table(io.BytesIO(xml)))


@pytest.mark.parametrize("xml", [
    # a namespace prefix, an unknown entity, something between the items, another encoding
    '<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>前缀</x:t></x:si></x:sst>',
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&nbsp;</t></si></sst>',
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>甲</t></si><foo/></sst>',
    '<?xml version="1.0" encoding="GB18030"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<si><t>乙</t></si></sst>',
])
def test_unusual_shared_string_tables_go_to_the_xml_parser(xml):
    assert parsing._plain_shared_strings(xml.encode()) is None


def test_a_table_past_the_size_limit_is_parsed_as_a_stream(monkeypatch):
    from openpyxl.reader.strings import read_string_table

    xml = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(f"<si><t>客户{i}</t></si>" for i in range(100)) + "</sst>").encode()
    monkeypatch.setattr(parsing, "PLAIN_STRINGS_LIMIT", 50)
    assert list(parsing.read_shared_strings(io.BytesIO(xml))) == list(read_string_table(io.BytesIO(xml)))
