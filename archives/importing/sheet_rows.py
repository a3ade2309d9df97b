"""A worksheet's rows read from its XML as text, for sheets in the plain shape Excel and WPS
write; parsing.ValuesParser (openpyxl's parser) for every row that is not, and for the whole
sheet when the document itself is unusual.

Even with openpyxl's per-cell work cut away (parsing.ValuesParser), ElementTree's iterparse
builds an element per cell and per value and hands each to Python: ~100 µs for a 14-column row,
more than validating and writing the row together. Excel's rows are regular —
`<row r="2" spans="1:14"><c r="A2" s="1" t="s"><v>17</v></c>…</row>` — and one regular
expression per cell reads them at a fraction of that. The values are the parser's, cell for
cell: a row whose cells are anything else (formulas, rich-text inline strings, cells without
a reference …) is handed to the XML parser on its own, and a document with comments,
processing instructions, a DTD, another encoding or a prefixed namespace is parsed by
ValuesParser from the start (rows already given are skipped). The tests compare both readers
with openpyxl's iter_rows.
"""
from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ElementTree
from typing import Iterator

from .parsing import _xml_text

SHEET_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Decompressed text read at a time: a few thousand rows, so the regular expressions run over
# long strings (their cost is per call as much as per character) while memory stays small.
READ_BYTES = 1024 * 1024

_DECLARATION = re.compile(r'\s*<\?xml\s[^>]*?\?>\s*')
_ROOT = re.compile(r'<worksheet\b([^>]*)>')
_DEFAULT_NS = re.compile(r'\sxmlns\s*=\s*["\']([^"\']*)["\']')
# A row: self-closing (an empty row, maybe formatted) or with its cells up to the first
# </row> (written out rather than as a lazy .*?, which tried the end tag at every character).
_ROW = re.compile(r'<row\b([^>]*?)(?:/>|>([^<]*(?:<(?!/row>)[^<]*)*)</row>)')
# A row's attributes, all double-quoted (then r is read from them), or anything else (the
# XML parser's).
_PLAIN_ATTRIBUTES = re.compile(r'(?:\s+[\w:.-]+="[^"<]*")*\s*')
_ROW_NUMBER = re.compile(r'(?:^|\s)r="([^"]*)"')
# A cell with a reference, double-quoted attributes, and either no content, one plain <v>, or
# an inline string of one plain <t> (what openpyxl, and this app's exports, write for text).
_CELL = re.compile(r'\s*<c r="([A-Z]+)[0-9]+"((?:\s+[\w:.-]+="[^"<]*")*)\s*'
                   r'(?:/>|>\s*(?:<v>([^<]*)</v>|<v/>|<is><t(?: xml:space="preserve")?>([^<]+)</t></is>)?\s*</c>)')
_CELL_ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
# Markup that a regular expression over the text would misread: the document goes to the parser.
_UNUSUAL = ("<!--", "<![CDATA[", "<!DOCTYPE", "<!ENTITY", "<?", "xmlns")


class UnusualSheet(Exception):
    """The document is not in the plain shape: read it with the XML parser instead."""


def sheet_cells(source, parser) -> Iterator[tuple[int, list[tuple[int, object]]]]:
    """(row number, [(column, value), …]) for each <row> of the sheet, as parser.parse_row
    gives them. `parser` (a parsing.ValuesParser) holds the row counter and the workbook's
    shared strings and date styles, and reads the rows that are not plain. Raises UnusualSheet
    (before or after some rows) for a document this reader does not take on."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = _read(source, decoder)
    while text and len(text) < 4096 and (more := _read(source, decoder)):
        text += more  # the declaration and root tag complete in the first piece
    text = text.removeprefix("\ufeff")
    declaration = _DECLARATION.match(text)
    start = declaration.end() if declaration else 0
    if declaration:
        encoding = re.search(r'encoding=["\']([^"\']+)', declaration.group())
        if encoding and encoding.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise UnusualSheet("encoding")
    root = _ROOT.match(text, start)
    if root is None:
        raise UnusualSheet("root")
    namespaces = _DEFAULT_NS.findall(root.group(1))
    if namespaces != [SHEET_MAIN_NS]:
        raise UnusualSheet("namespace")
    root_tag = root.group()  # its prefix declarations let a row be parsed on its own
    text = text[root.end():]
    reader = _RowReader(parser, root_tag)
    while True:
        more = _read(source, decoder)
        if more:
            end = text.rfind("</row>")
            if end < 0:
                text += more
                continue
            end += len("</row>")
            segment, text = text[:end], text[end:] + more
        else:
            segment, text = text, ""
        if any(marker in segment for marker in _UNUSUAL):
            raise UnusualSheet("markup")
        yield from reader.rows(segment)
        if not more and not text:
            break


def _read(source, decoder) -> str:
    data = source.read(READ_BYTES)
    try:
        return decoder.decode(data, final=not data)
    except UnicodeDecodeError as exc:
        raise UnusualSheet("utf-8") from exc


class _RowReader:
    def __init__(self, parser, root_tag: str) -> None:
        from openpyxl.utils.cell import column_index_from_string
        from openpyxl.utils.datetime import from_excel, from_ISO8601
        from openpyxl.worksheet._reader import _cast_number

        self.cast_number, self.from_excel, self.from_iso8601 = _cast_number, from_excel, from_ISO8601
        self.parser = parser
        self.root_tag = root_tag
        self.columns: dict[str, int] = {}
        self.column_index = column_index_from_string
        self.cell_types: dict[str, tuple[str, object]] = {}  # attributes → (type, style)

    def rows(self, segment: str) -> Iterator[tuple[int, list]]:
        parser = self.parser
        for match in _ROW.finditer(segment):
            attributes, content = match.group(1), match.group(2)
            cells = None
            if _PLAIN_ATTRIBUTES.fullmatch(attributes):
                cells = self._cells(content) if content else []
            if cells is None:
                yield self._parsed(match.group())
                continue
            number = _ROW_NUMBER.search(attributes)
            if number is None:
                parser.row_counter += 1
            else:
                parser.row_counter = _row_number(number.group(1))
            parser.col_counter = cells[-1][0] if cells else 0
            yield parser.row_counter, cells

    def _cells(self, content: str) -> list | None:
        """The row's (column, value) pairs, or None if any cell is not plain."""
        cells = []
        covered = 0
        columns, cell_types = self.columns, self.cell_types
        parser = self.parser
        strings = parser.shared_strings
        for match in _CELL.finditer(content):
            covered += match.end() - match.start()
            letters, attributes, value, inline = match.groups()
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = self.column_index(letters)
            kind = cell_types.get(attributes)
            if kind is None:
                kind = cell_types[attributes] = _cell_type(attributes)
            data_type, style = kind
            if inline is not None:
                if data_type != "inlineStr":
                    return None
                value = inline  # Text.from_tree(<is>).content: the <t> text as it stands
                if "&" in value or "\r" in value:
                    value = _xml_text(value)
                    if value is None:
                        return None
            elif value:  # findtext(v) or None: an empty <v> is no value
                if "&" in value or "\r" in value:
                    value = _xml_text(value)
                    if value is None:
                        return None
                if data_type == "s":
                    value = strings[int(value)]
                else:
                    value = self._typed(data_type, style, value)
            else:
                value = None
            cells.append((column, value))
        # The matches do not overlap and none can cover trailing blanks: they cover the whole
        # row exactly when their lengths add up to the row without its trailing blanks.
        if covered != len(content.rstrip()):
            return None
        return cells

    def _typed(self, data_type: str, style, value: str):
        """ValuesParser.parse_row's value of a cell that is not a shared string."""
        parser = self.parser
        if data_type == "n":
            value = self.cast_number(value)
            if style in parser.date_formats:
                try:
                    value = self.from_excel(value, parser.epoch, timedelta=style in parser.timedelta_formats)
                except (OverflowError, ValueError):
                    value = "#VALUE!"
        elif data_type == "b":
            value = bool(int(value))
        elif data_type == "d":
            value = self.from_iso8601(value)
        elif data_type == "inlineStr":
            value = None  # an inline string's text is in <is>, never <v>
        return value

    def _parsed(self, row_text: str) -> tuple[int, list]:
        """The XML parser's reading of one row (the document's namespaces declared around it)."""
        document = ElementTree.fromstring(f"{self.root_tag}{row_text}</worksheet>")
        return self.parser.parse_row(document[0])


def _cell_type(attributes: str) -> tuple[str, object]:
    found = dict(_CELL_ATTRIBUTE.findall(attributes))
    style = found.get("s", 0)
    style = int(style) if style else style  # ValuesParser.parse_row's reading of s
    return found.get("t", "n"), style


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(value)
