"""Archive numbers from a per-category pattern, gap-free and unique under concurrency.

Tokens: {category} (category code, upper case), {region} (region code or "NA"),
{dept} (department code or "NA"), {yyyy}, {yy}, {mm}, and {seq} / {seq:05} (the running
number, zero-padded to the given width). The sequence counts per *scope* — the pattern
rendered without {seq} — so "JXS-EAST-2026-" and "JXS-WEST-2026-" each start at 1.
"""
from __future__ import annotations

import datetime as dt
import re

from django.db import connection

from dangan.platform.errors import ApplicationError

from . import errors
from .models import ClassificationScheme, ClassificationTerm, Department, NumberSequence

TOKEN = re.compile(r"\{(\w+)(?::0?(\d+))?\}")
KNOWN = {"category", "region", "dept", "yyyy", "yy", "mm", "seq"}
MAX_WIDTH = 12


def validate_pattern(pattern: str) -> None:
    tokens = TOKEN.findall(pattern or "")
    names = [name for name, _ in tokens]
    unknown = sorted(set(names) - KNOWN)
    if unknown:
        raise ApplicationError(errors.NUMBERING_PATTERN_INVALID, field="numbering_pattern",
                               zh=f"未知占位符 {', '.join(unknown)}", en=f"unknown tokens {', '.join(unknown)}")
    if names.count("seq") != 1:
        raise ApplicationError(errors.NUMBERING_PATTERN_INVALID, field="numbering_pattern",
                               zh="必须且只能包含一个 {seq}", en="must contain {seq} exactly once")
    widths = [int(width) for name, width in tokens if name == "seq" and width]
    if widths and not 1 <= widths[0] <= MAX_WIDTH:
        raise ApplicationError(errors.NUMBERING_PATTERN_INVALID, field="numbering_pattern",
                               zh="序号位数须在 1–12 之间", en="the sequence width must be 1–12")
    leftover = TOKEN.sub("", pattern)
    if "{" in leftover or "}" in leftover or not re.fullmatch(r"[A-Za-z0-9\-_/.]*", leftover):
        raise ApplicationError(errors.NUMBERING_PATTERN_INVALID, field="numbering_pattern",
                               zh="只能包含字母、数字和 - _ / . 以及占位符", en="only letters, digits, - _ / . and tokens")


def _values(category, region, department, today: dt.date) -> dict[str, str]:
    return {
        "category": category.code.upper(),
        "region": (region.code if region else "NA").upper(),
        "dept": (department.code if department else "NA").upper(),
        "yyyy": f"{today.year:04d}",
        "yy": f"{today.year % 100:02d}",
        "mm": f"{today.month:02d}",
    }


def _scope(pattern: str, values: dict[str, str]) -> str:
    return TOKEN.sub(lambda m: "{seq}" if m.group(1) == "seq" else values[m.group(1)], pattern)


def _render(pattern: str, values: dict[str, str], seq: int) -> str:
    def render(match):
        name, width = match.group(1), match.group(2)
        if name == "seq":
            return str(seq).zfill(int(width)) if width else str(seq)
        return values[name]

    return TOKEN.sub(render, pattern)


def next_archive_number(*, category, region=None, department=None, today: dt.date | None = None) -> str:
    """Take the next number in the category's scope. Call inside the creating transaction."""
    values = _values(category, region, department, today or dt.date.today())
    pattern = category.numbering_pattern
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO archives_numbersequence (scope, last_value) VALUES (%s, 1) "
            "ON CONFLICT (scope) DO UPDATE SET last_value = archives_numbersequence.last_value + 1 "
            "RETURNING last_value",
            [_scope(pattern, values)],
        )
        seq = cursor.fetchone()[0]
    return _render(pattern, values, seq)


def preview_next_number(*, category, pattern: str | None = None, region=None, department=None,
                        today: dt.date | None = None) -> str:
    """The number the next file would get under `pattern` (default: the category's own), taking
    nothing: the settings page shows it while the administrator edits the pattern. Refuses an
    invalid pattern like the services do. Without a region or department, the first active ones
    stand in, so the example looks like a real number rather than "NA"."""
    pattern = category.numbering_pattern if pattern is None else pattern
    validate_pattern(pattern)
    if region is None:
        region = ClassificationTerm.objects.filter(scheme__code=ClassificationScheme.REGION, is_active=True) \
            .order_by("sort", "pk").first()
    if department is None:
        department = Department.objects.order_by("sort", "pk").first()
    values = _values(category, region, department, today or dt.date.today())
    last = NumberSequence.objects.filter(scope=_scope(pattern, values)).values_list("last_value", flat=True).first()
    return _render(pattern, values, (last or 0) + 1)
