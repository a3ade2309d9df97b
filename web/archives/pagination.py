"""Keyset ("next page") pagination of the customer list.

The list is ordered by (created_at, id) descending, which an index serves; a page continues
after the last row of the previous one. Each page costs the same at any depth and nothing ever
counts the whole table (an exact total of a million files is a full scan nobody reads).
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

PAGE_SIZE = 25


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    is_first: bool


def _encode(row) -> str:
    raw = f"{row.created_at.isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        moment = dt.datetime.fromisoformat(stamp)
        return (moment, int(pk)) if moment.tzinfo else None
    except (ValueError, UnicodeDecodeError):
        return None  # a mangled cursor starts from the top instead of failing


def keyset_page(queryset, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    position = _decode(cursor) if cursor else None
    if position:
        created_at, pk = position
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    rows = list(queryset.order_by("-created_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=_encode(rows[-1]) if more else None, is_first=position is None)
