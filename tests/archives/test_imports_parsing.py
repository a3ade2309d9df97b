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


@pytest.mark.django_db
def test_the_unsorted_vector_text_is_the_vector_of_the_sorted_tokens():
    """The bulk path sends text tokens and the number's unsorted, with repeats (a number's n-grams
    that the name has too): PostgreSQL's tsvector input must make of it array_to_tsvector() of
    archives.search.document_tokens — including lexemes that need quoting."""
    from django.db import connection

    cases = [("北京同仁大药房", ["北京市朝阳区", "王伟", "13812345678"], "JXS-EAST-2026-00001"),
             ("张三", [], "GR-2026-00012"), ("ABC", ["abc"], "abc-2026-1"), ("", [], "")]
    with connection.cursor() as cursor:
        for name, texts, number in cases:
            tokens = search_tokens.text_tokens(name=name, texts=texts)
            literal = search_tokens.vector_literal(search_tokens.text_literal(tokens), number)
            expected = search.document_tokens(archive_number=number, name=name, texts=texts)
            cursor.execute("SELECT %s::tsvector::text, array_to_tsvector(%s::text[])::text", [literal, expected])
            stored, wanted = cursor.fetchone()
            assert stored == wanted
        cursor.execute("SELECT %s::tsvector::text, array_to_tsvector(%s::text[])::text",
                       [search_tokens.tsvector_literal(["o'neil", "a\\b", "o'neil", "x"]), ["a\\b", "o'neil", "x"]])
        stored, wanted = cursor.fetchone()
        assert stored == wanted


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


_EXCEL_ROOT = (f'<worksheet {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
               'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
               'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">')
_EXCEL_ROWS = (
    '<row r="1" spans="1:5" x14ac:dyDescent="0.2"><c r="A1" s="2" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" s="1"><v>46089</v></c><c r="D1" t="str"><v>甲 &amp; 乙 &#x4E2D;</v></c><c r="E1" s="2"/></row>'
    '<row r="2" spans="1:5"><c r="A2"><f>1+2</f><v>3</v></c><c r="B2" t="b"><v>0</v></c><c r="C2"><v>1.5E2</v></c>'
    '<c r="D2" t="e"><v>#DIV/0!</v></c><c r="E2"><v></v></c></row>'
    '<row r="4" spans="1:5" ht="20" customHeight="1"/>'
    '<row r="5">\n  <c r="B5" t="s">\n    <v>1</v>\n  </c>\n  <c r="C5" t="inlineStr"><is><t>内联</t></is></c>\n</row>'
    '<row r="6"><c r="A6" t="s"><v>0</v></c><c t="s"><v>1</v></c></row>'
    '<row><c r="A7"><v>-7</v></c></row>'
)


_PACKAGE_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (  # style 1 is a date (numFmt 14), style 2 plain
        f'<styleSheet {NS}><fonts count="1"><font><sz val="11"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
    "xl/sharedStrings.xml": f'<sst {NS} count="2" uniqueCount="2"><si><t>客户</t></si><si><t>电话</t></si></sst>',
}


def _excel_like(rows_xml: str, root: str = _EXCEL_ROOT, close: str = "</worksheet>") -> bytes:
    """A workbook as Excel saves one: two shared strings, a date style (s="1"), its sheet as
    given inside Excel's usual surroundings."""
    data_tag = "x:sheetData" if root.startswith("<x:") else "sheetData"
    sheet_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                 f'{root}<dimension ref="A1:E7"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
                 f'<{data_tag}>{rows_xml}</{data_tag}>'
                 f'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>{close}')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _PACKAGE_PARTS.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + content)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def _text_reader_takes(data: bytes) -> bool:
    from dangan.archives.importing import sheet_rows

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    try:
        with sheet._get_source() as source:
            parser = parsing._values_parser_class()(None, sheet._shared_strings, data_only=True,
                                                    date_formats=workbook._date_formats)
            list(sheet_rows.sheet_cells(source, parser))
        return True
    except sheet_rows.UnusualSheet:
        return False
    finally:
        workbook.close()


@pytest.mark.parametrize("read_bytes", [1024 * 1024, 7])
def test_the_text_reader_reads_excels_rows_as_openpyxl_does(monkeypatch, read_bytes):
    from dangan.archives.importing import sheet_rows

    monkeypatch.setattr(sheet_rows, "READ_BYTES", read_bytes)  # 7: rows and tags split across reads
    data = _excel_like(_EXCEL_ROWS)
    assert _text_reader_takes(data)
    rows = _fast_rows(data)
    assert rows == _openpyxl_rows(data)
    assert rows[0] == ("客户", "电话", dt.datetime(2026, 3, 8), "甲 & 乙 中", None)
    assert rows[1] == (3, False, 150, "#DIV/0!", None)  # a formula's cached value, data_only
    assert rows[4][1:3] == ("电话", "内联")  # a row with an inline string read by the XML parser
    assert rows[5][:2] == ("客户", "电话") and rows[6][0] == -7  # a cell, a row without a reference


@pytest.mark.parametrize("root, rows_xml, close", [
    (_EXCEL_ROOT, _EXCEL_ROWS + "<!-- a comment -->", "</worksheet>"),
    (_EXCEL_ROOT, _EXCEL_ROWS.replace("<row r=\"6\">", "<row r=\"6\"><![CDATA[]]>"), "</worksheet>"),
    # the main namespace under a prefix
    ('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
     'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">',
     _EXCEL_ROWS.replace("<row", "<x:row").replace("</row", "</x:row").replace("<c ", "<x:c ")
     .replace("</c>", "</x:c>").replace("<v>", "<x:v>").replace("</v>", "</x:v>").replace("<f>", "<x:f>")
     .replace("</f>", "</x:f>").replace("<is>", "<x:is>").replace("</is>", "</x:is>").replace("<t>", "<x:t>")
     .replace("</t>", "</x:t>"), "</x:worksheet>"),
])
def test_unusual_sheets_go_to_the_xml_parser_even_after_some_rows(monkeypatch, root, rows_xml, close):
    from dangan.archives.importing import sheet_rows

    monkeypatch.setattr(sheet_rows, "READ_BYTES", 64)  # the markup is met after rows were given
    data = _excel_like(rows_xml, root, close)
    assert not _text_reader_takes(data)
    assert _fast_rows(data) == _openpyxl_rows(data)
    assert len(_fast_rows(data)) == 7


@pytest.mark.parametrize("data", [
    {"name": "北京同仁大药房", "kind": "enterprise", "address": "北京市朝阳区人民路1号", "business_policy": "诚信"},
    {"name": " 前后空格 ", "company_size": "small"},
    {"name": "甲", "kind": "企业"},  # not a choice value
    {"name": "甲" * 201},  # too long
    {"name": "   "},  # blank after stripping: required
    {"name": ""},
    {"name": "乙", "address": "  ", "trading_since": dt.date(2020, 1, 2), "is_key_customer": True},
    {"name": "丙", "first_contact_on": "2026-13-40"},
    {"name": 12345},
])
def test_the_plain_field_shortcut_cleans_as_clean_plain_does(data):
    from dangan.archives.importing.customer_rows import PlainFields
    from dangan.archives.services import customers
    from dangan.platform.errors import ApplicationError

    def outcome(clean):
        try:
            return clean(dict(data))
        except ApplicationError as exc:
            return exc.code, exc.fields

    assert outcome(PlainFields().clean) == outcome(customers._clean_plain)


def test_openpyxls_inline_strings_are_read_by_the_text_reader_too(monkeypatch):
    from dangan.archives.importing import sheet_rows

    by_parser = []
    parse_row = sheet_rows._RowReader._parsed
    monkeypatch.setattr(sheet_rows._RowReader, "_parsed",
                        lambda self, text: by_parser.append(text) or parse_row(self, text))
    workbook = openpyxl.Workbook()  # openpyxl (and the app's own exports) write text inline
    sheet = workbook.active
    sheet.append(["名称", "  前后空格  ", "a & b <c>", "x005F_x", "一\r\n二", 12, dt.datetime(2026, 3, 8)])
    sheet.append(["", None, "=1+2", True])
    data = _saved(workbook)
    assert _text_reader_takes(data)
    assert _fast_rows(data) == _openpyxl_rows(data)
    assert _fast_rows(data)[0][:4] == ("名称", "  前后空格  ", "a & b <c>", "x005F_x")
    assert by_parser and all("<f>" in row for row in by_parser)  # only the row with a formula
