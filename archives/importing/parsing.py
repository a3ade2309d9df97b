"""Reading spreadsheets row by row, never a whole file in memory.

.xlsx goes through openpyxl's read-only mode (it streams the sheet's XML). .csv is decoded as
UTF-8 (with or without the BOM Excel writes) or, failing that, GB18030 — the superset of GBK /
GB2312 that Chinese Excel and WPS use for "CSV" by default — and parsed by the csv module.
"""
from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from dangan.platform.errors import ApplicationError

from . import errors

FORMATS = ("xlsx", "csv")
# Tried in order. utf-8-sig also reads plain UTF-8; GB18030 decodes nearly any byte sequence,
# which is why it comes last: UTF-8 is the only one that reliably says "not me".
ENCODINGS = ("utf-8-sig", "gb18030")
# Registers (登记表) often open with a title row and a blank row before the headers.
HEADER_SCAN_ROWS = 10
READ_CHUNK = 1024 * 1024
# Sheets read by sheet_rows (regular expressions over the XML) where their shape allows; off:
# openpyxl's XML parser for every row (the tests compare the two).
TEXT_READER = True


def read_shared_strings(source) -> list[str]:
    """openpyxl.reader.strings.read_string_table, without building an object per string.

    Excel and WPS keep every distinct text of a workbook in one table that openpyxl reads in
    full when the workbook opens, through its generic Text.from_tree (~25 µs per string): for a
    100,000-row register with 400,000 distinct texts (names, addresses, phones) that was
    seconds before the first row, in the upload request too. Same result: the plain <t> text
    plus the <t> of each rich-text run, phonetic runs (<rPh>) left out, "x005F_" unescaped.
    Tables in the plain form Excel and WPS write are read by _plain_shared_strings, anything
    else by the XML parser.
    """
    from openpyxl.utils.indexed_list import IndexedList

    data = source.read(PLAIN_STRINGS_LIMIT + 1)
    strings = _plain_shared_strings(data) if len(data) <= PLAIN_STRINGS_LIMIT else None
    if strings is None:
        source.seek(0)
        strings = _parsed_shared_strings(source)
    return IndexedList(strings)


def _si_text(node, t: str, r: str) -> str:
    plain = node.find(t)
    parts = [plain.text] if plain is not None and plain.text is not None else []
    for run in node.iterfind(r):
        text = run.find(t)
        if text is not None and text.text is not None:
            parts.append(text.text)
    return "".join(parts).replace("x005F_", "")


def _parsed_shared_strings(source) -> list[str]:
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    si, t, r = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
    strings = []
    for _, node in iterparse(source):
        if node.tag != si:
            continue
        strings.append(_si_text(node, t, r))
        node.clear()
    return strings


# Past this size the table is parsed as a stream rather than read whole (memory).
PLAIN_STRINGS_LIMIT = 64 * 1024 * 1024
_SHEET_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XML_DECLARATION = re.compile(r'<\?xml\s[^>]*?\?>\s*')
_SST_OPEN = re.compile(r'<sst\s[^>]*?xmlns="' + re.escape(_SHEET_MAIN_NS) + r'"[^>]*>')
# One <si>: plain text (the usual case), an empty one, or anything else (rich text, phonetic
# runs, CDATA …) handed to the XML parser.
_SI = re.compile(r'<si><t>([^<]*)</t></si>|<si><t xml:space="preserve">([^<]*)</t></si>|<si><t/></si>|<si/>'
                 r'|<si>(.*?)</si>', re.S)
_REFERENCE = re.compile(r'&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));')
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _xml_text(raw: str) -> str | None:
    """Character data as an XML parser reports it: line ends normalised, references resolved;
    None for anything a parser would refuse (then the table is parsed)."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in raw:
        return raw
    if raw.count("&") != len(_REFERENCE.findall(raw)):
        return None

    def resolve(match):
        decimal, hexadecimal, name = match.groups()
        return _NAMED[name] if name else chr(int(decimal) if decimal else int(hexadecimal, 16))

    try:
        return _REFERENCE.sub(resolve, raw)
    except (ValueError, OverflowError):
        return None


def _plain_shared_strings(data: bytes) -> list[str] | None:
    """The shared-string table read with regular expressions when it has the plain shape Excel
    and WPS give it: UTF-8, <sst> in the spreadsheet namespace, <si> elements one after
    another. Rich-text items go through the XML parser one by one. None if anything is
    unusual: the caller then parses the whole table."""
    import xml.etree.ElementTree as ElementTree

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.removeprefix("\ufeff")
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        encoding = re.search(r'encoding=["\']([^"\']+)', declaration.group())
        if encoding and encoding.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            return None
    start = _SST_OPEN.search(text, declaration.end() if declaration else 0)
    end = text.rfind("</sst>")
    if start is None or end < start.end() or text[declaration.end() if declaration else 0:start.start()].strip() \
            or text[end + len("</sst>"):].strip():
        return None
    t, r = f"{{{_SHEET_MAIN_NS}}}t", f"{{{_SHEET_MAIN_NS}}}r"
    strings = []
    position, body_end = start.end(), end
    append = strings.append
    for match in _SI.finditer(text, position, body_end):
        if match.start() != position and text[position:match.start()].strip():
            return None  # something other than <si> between items
        position = match.end()
        plain, preserved, other = match.group(1), match.group(2), match.group(3)
        raw = plain if plain is not None else preserved
        if raw is not None:
            value = _xml_text(raw)
            if value is None:
                return None
        elif other is None:
            value = ""  # <si/>, <si><t/></si>
        else:
            try:
                node = ElementTree.fromstring(f'<si xmlns="{_SHEET_MAIN_NS}">{other}</si>')
            except ElementTree.ParseError:
                return None  # e.g. a prefix declared on <sst>: the whole table is parsed
            append(_si_text(node, t, r))
            continue
        append(value.replace("x005F_", "") if "x005F_" in value else value)
    if text[position:body_end].strip():
        return None
    return strings


def _excel_reader_class():
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader

    class Reader(ExcelReader):
        """openpyxl's workbook reader with the faster shared-string table above."""

        def read_strings(self):
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with self.archive.open(part.PartName[1:]) as src:
                    self.shared_strings = read_shared_strings(src)

    return Reader


def _ExcelReader(*args, **kwargs):
    return _excel_reader_class()(*args, **kwargs)


@functools.cache
def _values_parser_class():
    from openpyxl.cell.text import Text
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.worksheet._reader import INLINE_STRING, VALUE_TAG, WorkSheetParser, _cast_number

    digits = "0123456789"

    class ValuesParser(WorkSheetParser):
        """openpyxl's sheet parser, each row read as (column, value) pairs and nothing else.

        openpyxl's parse_cell builds a dict per cell and splits its reference character by
        character in Python (coordinate_to_tuple); that, not the XML, was most of the reading
        time. The values are openpyxl's (read-only, data_only): the same casts, shared strings,
        dates by cell style, inline strings, and a cell without a reference following the last.
        """

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._columns: dict[str, int] = {}

        def _column(self, ref: str) -> int:
            letters = ref.rstrip(digits)
            column = self._columns.get(letters)
            if column is None:
                if not (letters.isascii() and letters.isalpha() and ref[len(letters):].isdigit()):
                    return coordinate_to_tuple(ref)[1]  # openpyxl's own answer (or error)
                column = self._columns[letters] = coordinate_to_tuple(ref)[1]
            return column

        def parse_row(self, row):
            number = row.get("r")
            if number is None:
                self.row_counter += 1
            else:
                try:
                    self.row_counter = int(number)
                except ValueError:
                    value = float(number)
                    if not value.is_integer():
                        raise ValueError(f"{number} is not a valid row number") from None
                    self.row_counter = int(value)
            column = 0
            cells = []
            strings, date_formats = self.shared_strings, self.date_formats
            for element in row:
                ref = element.get("r")
                column = self._column(ref) if ref else column + 1
                data_type = element.get("t", "n")
                if data_type == "inlineStr":
                    child = element.find(INLINE_STRING)
                    value = Text.from_tree(child).content if child is not None else None
                else:
                    value = element.findtext(VALUE_TAG, None) or None
                    if value is not None:
                        if data_type == "s":
                            value = strings[int(value)]
                        elif data_type == "n":
                            value = _cast_number(value)
                            if date_formats:
                                style = element.get("s", 0)
                                style = int(style) if style else style
                                if style in date_formats:
                                    try:
                                        value = from_excel(value, self.epoch,
                                                           timedelta=style in self.timedelta_formats)
                                    except (OverflowError, ValueError):
                                        value = "#VALUE!"  # openpyxl's value for such a cell
                        elif data_type == "b":
                            value = bool(int(value))
                        elif data_type == "d":
                            value = from_ISO8601(value)
                cells.append((column, value))
            self.col_counter = column
            return self.row_counter, cells

    return ValuesParser


def sheet_values(sheet) -> Iterator[tuple]:
    """`sheet.iter_rows(values_only=True)` of a read-only worksheet, row for row the same
    tuples (missing rows as empty ones, rows padded to the declared width, nothing past the
    declared size), through the faster readers above and in sheet_rows."""
    parser_class = _values_parser_class()
    max_col, max_row = sheet.max_column, sheet.max_row
    empty_row = (None,) * max_col if max_col is not None else ()
    counter = 1
    index = 1
    for index, cells in _sheet_cells(sheet, parser_class):
        if max_row is not None and index > max_row:
            break
        while counter < index:  # rows the file leaves out
            counter += 1
            yield empty_row
        if counter <= index:
            counter += 1
            if not cells and not max_col:
                yield ()
                continue
            width = max_col or cells[-1][0]
            values = [None] * width
            for column, value in cells:
                if 1 <= column <= width:
                    values[column - 1] = value
            yield tuple(values)
    if max_row is not None and max_row < index:
        for _ in range(counter, max_row + 1):
            yield empty_row


def _sheet_cells(sheet, parser_class) -> Iterator[tuple[int, list]]:
    """(row number, [(column, value), …]) per <row>: sheet_rows' text reader, or, for a sheet
    it does not take on, the XML parser (from the start, the rows already given skipped)."""
    from . import sheet_rows

    workbook = sheet.parent

    def parser(source):
        return parser_class(source, sheet._shared_strings, data_only=workbook.data_only, epoch=workbook.epoch,
                            date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)

    given = 0
    if TEXT_READER:
        try:
            with sheet._get_source() as source:
                for item in sheet_rows.sheet_cells(source, parser(None)):
                    given += 1
                    yield item
            return
        except sheet_rows.UnusualSheet:
            pass
    with sheet._get_source() as source:
        for item in parser(source).parse():
            if given:
                given -= 1
                continue
            yield item


@dataclass(frozen=True)
class Row:
    number: int  # row number as the user sees it in Excel (1-based, header included)
    position: int  # 1-based index among the data rows (the resume point counts these)
    values: tuple


def file_format(file_name: str) -> str:
    extension = os.path.splitext(file_name or "")[1].lower().lstrip(".")
    if extension not in FORMATS:
        raise ApplicationError(errors.FILE_TYPE, field="file")
    return extension


def detect_encoding(stream: BinaryIO) -> str:
    """The first of ENCODINGS that decodes the whole stream; the stream is rewound."""
    for encoding in ENCODINGS:
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(READ_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return encoding
    raise ApplicationError(errors.FILE_UNREADABLE, field="file", zh="无法识别文件编码（支持 UTF-8 和 GB18030/GBK）。",
                           en="unknown text encoding (UTF-8 and GB18030/GBK are supported).")


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_names(values: tuple) -> list[str]:
    """Header texts, made unique ("电话", "电话 (2)") so a mapping can name each column."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        name = "" if value is None else str(value).strip().replace("\n", " ")
        if not name:
            name = f"({_column_letter(index)})"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name if count == 1 else f"{name} ({count})")
    return names


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class Table:
    """One sheet (or CSV file): headers, then data rows. Use as a context manager."""

    def __init__(self, source, file_format_: str, *, encoding: str = "") -> None:
        self.format = file_format_
        self.encoding = encoding
        self.sheet_name = ""
        self._source = source
        self._workbook = None
        self._text = None
        try:
            if file_format_ == "xlsx":
                self._open_xlsx()
            else:
                self._open_csv()
            self.header_row, self.headers = self._find_headers()
        except ApplicationError:
            self.close()
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, csv.Error, UnicodeDecodeError) as exc:
            self.close()
            raise ApplicationError(errors.FILE_UNREADABLE, field="file", zh=str(exc)[:200], en=str(exc)[:200]) from exc

    # --- opening ---------------------------------------------------------------------------
    def _open_xlsx(self) -> None:
        reader = _ExcelReader(self._source, read_only=True, data_only=True)
        reader.read()
        self._workbook = reader.wb
        sheets = [ws for ws in self._workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        if not sheets:
            raise ApplicationError(errors.FILE_EMPTY, field="file")
        self._sheet = sheets[0]
        self.sheet_name = self._sheet.title

    def _open_csv(self) -> None:
        if isinstance(self._source, (str, os.PathLike)):
            self._binary = open(self._source, "rb")
        else:
            self._binary = self._source
        if not self.encoding:
            self.encoding = detect_encoding(self._binary)
        self._binary.seek(0)
        self._text = io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")
        first_line = self._text.readline()
        # Excel in some locales saves ";"-separated files, and "text" exports are tab-separated.
        self._delimiter = max((",", "\t", ";"), key=first_line.count) if first_line else ","

    def _raw_rows(self) -> Iterator[tuple[int, tuple]]:
        if self.format == "xlsx":
            for number, values in enumerate(sheet_values(self._sheet), start=1):
                yield number, values
        else:
            self._text.seek(0)
            reader = csv.reader(self._text, delimiter=self._delimiter)
            for number, values in enumerate(reader, start=1):
                yield number, tuple(values)

    def _find_headers(self) -> tuple[int, list[str]]:
        first_nonempty = None
        for number, values in self._raw_rows():
            filled = sum(1 for value in values if not _is_empty(value))
            if filled and first_nonempty is None:
                first_nonempty = (number, values)
            if filled >= 2:
                return number, _header_names(_trim(values))
            if number >= HEADER_SCAN_ROWS:
                break
        if first_nonempty is None:
            raise ApplicationError(errors.FILE_EMPTY, field="file")
        return first_nonempty[0], _header_names(_trim(first_nonempty[1]))

    # --- reading -----------------------------------------------------------------------------
    def rows(self) -> Iterator[Row]:
        """Data rows, each padded or cut to the header's width; blank rows are skipped."""
        width = len(self.headers)
        position = 0
        for number, values in self._raw_rows():
            if number <= self.header_row:
                continue
            if len(values) != width:
                values = tuple(values[:width]) + (None,) * (width - len(values))
            if all(_is_empty(value) for value in values):
                continue
            position += 1
            yield Row(number=number, position=position, values=values)

    def estimated_rows(self) -> int | None:
        """From the sheet's declared dimension when it has one (Excel and WPS write it), else None."""
        if self.format == "xlsx":
            max_row = self._sheet.max_row
            return max(0, max_row - self.header_row) if max_row else None
        return None

    def count_rows(self) -> int:
        return sum(1 for _ in self.rows())

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None
        if self._text is not None:
            self._text.detach()  # leaves the binary stream to whoever opened it
            self._text = None
        if isinstance(self._source, (str, os.PathLike)) and getattr(self, "_binary", None) is not None:
            self._binary.close()
            self._binary = None

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _trim(values: tuple) -> tuple:
    """Drop trailing empty cells (sheets often carry formatted but empty columns)."""
    values = tuple(values)
    end = len(values)
    while end and _is_empty(values[end - 1]):
        end -= 1
    return values[:end]


def open_table(source, file_format_: str, *, encoding: str = "") -> Table:
    return Table(source, file_format_, encoding=encoding)
