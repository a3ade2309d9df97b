"""What the row engines share: reading a row through the mapping, problems per row, memoised
lookups, and running one service call inside its own savepoint."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction

from dangan.platform.errors import ApplicationError, ErrorCode

from . import errors
from .parsing import Row
from .targets import CUSTOM_PREFIX, Target, as_text, converter


@dataclass
class Problem:
    target: str | None  # the mapping target the problem belongs to (hence the column), if any
    code: str
    zh: str
    en: str


@dataclass
class Outcome:
    row: Row
    problems: list[Problem] = field(default_factory=list)
    action: str = ""  # created / updated / change_request / unchanged / added

    @property
    def ok(self) -> bool:
        return not self.problems


def problem(error: ErrorCode, target: str | None = None, **params) -> Problem:
    message = error.message(**params)
    return Problem(target, error.code, message["zh-hans"], message["en"])


class RowReader:
    """Turns a Row into {target: value} through the mapping; empty cells are left out (on an
    update an empty cell leaves the stored value alone)."""

    def __init__(self, headers: list[str], mapping: dict[str, str | None], targets: dict[str, Target]) -> None:
        self.columns = [(index, targets[mapping[header]].key, converter(targets[mapping[header]]))
                        for index, header in enumerate(headers) if mapping.get(header) and mapping[header] in targets]

    def read(self, row: Row) -> dict:
        values = {}
        cells = row.values
        for index, key, convert in self.columns:
            cell = cells[index]
            if cell is None:
                continue
            # is_empty(), inlined: it ran for every cell of every row
            if isinstance(cell, str):
                text = cell.strip()
                if not text:
                    continue
                # as_text of a plain string is the stripped string (most cells of a register)
                values[key] = text if convert is as_text and type(cell) is str else convert(cell)
            else:
                values[key] = convert(cell)
        return values


class FieldTargets:
    """Maps a service's error field ("grade", "custom_fields.unit_no", "contacts.1.phone") back
    to the mapping target, so the report can name the column."""

    def __init__(self, contact_groups: list[int] | None = None) -> None:
        self.contact_groups = contact_groups or []

    def target(self, field_name: str | None) -> str | None:
        if not field_name:
            return None
        if field_name.startswith("custom_fields."):
            return CUSTOM_PREFIX + field_name.split(".", 1)[1]
        if field_name.startswith("contacts"):
            parts = field_name.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(self.contact_groups):
                group = self.contact_groups[int(parts[1])]
                return f"contact{'' if group == 1 else group}_{parts[2]}"
            return "contact_name"
        return field_name


def problems_from(exc: ApplicationError, targets: FieldTargets | None = None) -> list[Problem]:
    targets = targets or FieldTargets()
    if not exc.fields:
        message = exc.message()
        return [Problem(None, exc.code, message["zh-hans"], message["en"])]
    found = []
    for field_name, items in exc.fields.items():
        for item in items:
            message = item.get("message") or {}
            found.append(Problem(targets.target(field_name), item.get("code", exc.code),
                                 message.get("zh-hans", ""), message.get("en", "")))
    return found


class Memo:
    """Results of lookups by value (a category, a classification term, a department, a
    permission), errors included, so each distinct value costs one service call per job."""

    def __init__(self, lock=None) -> None:
        self._results: dict = {}
        # Held while computing: the lookups query the database, which the import's writer
        # thread may be using (imports._Pipeline).
        self._lock = lock or contextlib.nullcontext()

    def get(self, key, compute):
        """(value, None) or (None, ApplicationError)."""
        found = self._results.get(key)
        if found is None:
            with self._lock:
                try:
                    found = (compute(), None)
                except ApplicationError as exc:
                    found = (None, exc)
            self._results[key] = found
        return found


def run_in_savepoint(call, *, keep: bool):
    """One service call in its own savepoint: a failing row never half-applies, and in a dry run
    (keep=False) even a good row is rolled back. Returns (result, None) or (None, error)."""
    try:
        with transaction.atomic():
            result = call()
            if not keep:
                transaction.set_rollback(True)
            return result, None
    except ApplicationError as exc:
        return None, exc
    except DatabaseError as exc:  # a constraint the validators do not know about
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return None, ApplicationError(errors.ROW_DATABASE_ERROR, detail=detail)
