"""Writes of saved list filters (archives.SavedFilter).

They are a person's own view settings, touching no customer data, so they are kept next to the
list that uses them. Same shape as the archives services (keyword-only, explicit actor, atomic,
ApplicationError); move to archives/services/ if anything besides the web list ever writes them.
"""
from __future__ import annotations

from django.db import IntegrityError, transaction

from dangan.archives.models import SavedFilter
from dangan.archives.services.exports import clean_filters
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError, ErrorCode

NAME_TAKEN = ErrorCode("saved_filter_name_taken", "已有同名的筛选“{name}”。", "A saved filter “{name}” exists.", 409)
NAME_REQUIRED = ErrorCode("saved_filter_name_required", "请输入筛选名称。", "Enter a name for the filter.")
MAX_SAVED = 50  # a menu, not a database: beyond this nobody finds their filter anyway
TOO_MANY = ErrorCode("saved_filter_limit", f"最多保存 {MAX_SAVED} 个筛选。", f"At most {MAX_SAVED} saved filters.", 409)


@transaction.atomic
def saved_filter_create(*, actor, name: str, filters: dict) -> SavedFilter:
    """Only the list's known filters are kept (the export's cleaning rule), under a unique name."""
    name = (name or "").strip()[:60]
    if not name:
        raise ApplicationError(NAME_REQUIRED, field="name")
    if SavedFilter.objects.filter(owner=actor).count() >= MAX_SAVED:
        raise ApplicationError(TOO_MANY, field="name")
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(owner=actor, name=name, filters=clean_filters(filters))
    except IntegrityError as exc:
        raise ApplicationError(NAME_TAKEN, field="name", name=name) from exc


@transaction.atomic
def saved_filter_delete(*, actor, saved: SavedFilter) -> None:
    if saved.owner_id != actor.pk:
        raise ApplicationError(platform_errors.PERMISSION_DENIED)
    saved.delete()
