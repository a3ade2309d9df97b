"""Reading spreadsheets row by row, never a whole file in memory.

.xlsx goes through openpyxl's read-only mode (it streams the sheet's XML). .csv is decoded as
UTF-8 (with or without the BOM Excel writes) or, failing that, GB18030 — the superset of GBK /
GB2312 that Chinese Excel and WPS use for "CSV" by default — and parsed by the csv module.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
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


def read_shared_strings(source) -> list[str]:
    """openpyxl.reader.strings.read_string_table, without building an object per string.

    Excel and WPS keep every distinct text of a workbook in one table that openpyxl reads in
    full when the workbook opens, through its generic Text.from_tree (~25 µs per string): for a
    100,000-row register with 400,000 distinct texts (names, addresses, phones) that was
    seconds before the first row, in the upload request too. Same result: the plain <t> text
    plus the <t> of each rich-text run, phonetic runs (<rPh>) left out, "x005F_" unescaped.
    """
    from openpyxl.utils.indexed_list import IndexedList
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    si, t, r = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
    strings = []
    for _, node in iterparse(source):
        if node.tag != si:
            continue
        plain = node.find(t)
        parts = [plain.text] if plain is not None and plain.text is not None else []
        for run in node.iterfind(r):
            text = run.find(t)
            if text is not None and text.text is not None:
                parts.append(text.text)
        strings.append("".join(parts).replace("x005F_", ""))
        node.clear()
    return IndexedList(strings)


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
            for number, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
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
