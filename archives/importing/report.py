"""The per-row error report: an .xlsx the user opens next to their file, one line per problem
(row number, column, the value as typed, a stable code, the message in Chinese and English).
Written with openpyxl's write-only mode, so its size does not depend on memory."""
from __future__ import annotations

import tempfile
from typing import Iterable

HEADERS = ["行号 Row", "列 Column", "值 Value", "错误代码 Code", "错误说明", "Message"]
WIDTHS = [10, 22, 30, 26, 60, 60]
SHEET_TITLE = "错误报告"
# Excel refuses control characters other than tab, newline and carriage return in cell text.
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}


def clean_cell(value: str) -> str:
    return value.translate(_ILLEGAL) if isinstance(value, str) else value


def safe_cell(sheet, value):
    """A value for a write-only sheet. Text stays text: control characters XML cannot carry are
    dropped, and a leading "=" is never turned into a formula (a customer name or a cell echoed
    from an uploaded file must not become =HYPERLINK(…) in someone's Excel)."""
    if not isinstance(value, str):
        return value
    value = clean_cell(value)
    if not value.startswith("="):
        return value  # plain text is stored as text anyway; a cell object per value costs time
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def write_report(rows: Iterable[tuple]) -> tempfile.SpooledTemporaryFile:
    """rows: (row_number, column, value, code, message_zh, message_en). Returns a rewound file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([safe_cell(sheet, value) for value in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(out)
    out.seek(0)
    return out
