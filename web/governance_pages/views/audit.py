"""For auditors (审计): the query log (查询记录) with filters and Excel export, and the audit
chain with its verification. The auditor-only rule lives in governance/selectors.py."""
from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangan.archives.models import Customer
from dangan.governance import selectors
from dangan.governance.models import AccessRecord
from dangan.governance.services.access import access_log_export
from dangan.platform.errors import ApplicationError

from ...common import flash_error
from ..access import gate, is_auditor
from ..forms import AccessLogFilterForm

PAGE_SIZE = 50
RECENT_EVENTS = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cursor(record: AccessRecord) -> str:
    return base64.urlsafe_b64encode(f"{record.at.isoformat()}|{record.pk}".encode()).decode().rstrip("=")


def _after(queryset, cursor: str | None):
    """Rows older than the cursor's (at, id): a next page that costs the same at any depth."""
    if not cursor:
        return queryset
    try:
        at, pk = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().rsplit("|", 1)
        moment, pk = dt.datetime.fromisoformat(at), int(pk)
    except (ValueError, UnicodeDecodeError):
        return queryset  # a mangled cursor starts from the top
    return queryset.filter(Q(at__lt=moment) | Q(at=moment, pk__lt=pk))


@login_required
@gate(is_auditor)
@require_GET
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else {}
    records = _after(selectors.access_log(user=request.user, filters=filters), request.GET.get("after"))
    rows = list(records.order_by("-at", "-id")[:PAGE_SIZE + 1])
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    _describe(rows)
    query = {k: v for k, v in request.GET.items() if k != "after" and v}
    return render(request, "governance_pages/access_log.html", {
        "form": form if form.is_bound else AccessLogFilterForm(), "records": rows, "query": urlencode(query),
        "next_query": urlencode({**query, "after": _cursor(rows[-1])}) if more else None,
        "is_first": not request.GET.get("after"), "active": "access_log"})


SHOWN_FILES = 5  # archive numbers a row shows; the rest are counted


def _describe(rows: list[AccessRecord]) -> None:
    """What an auditor reads in each row: the files by archive number (a file destroyed since
    shows as #id), and the query's conditions as `name: value` pairs rather than a dict."""
    wanted = {pk for row in rows for pk in (row.customer_ids or [])[:SHOWN_FILES]}
    numbers = dict(Customer.objects.filter(pk__in=wanted).values_list("pk", "archive_number")) if wanted else {}
    for row in rows:
        ids = row.customer_ids or []
        row.file_numbers = [numbers.get(pk, f"#{pk}") for pk in ids[:SHOWN_FILES]]
        row.more_files = max(0, len(ids) - SHOWN_FILES)
        row.conditions = "；".join(f"{name}：{value}" for name, value in _flatten(row.query or {}))


def _flatten(query: dict, prefix: str = ""):
    for name, value in query.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{name}.")
        elif value not in (None, "", [], {}):
            yield f"{prefix}{name}", "、".join(map(str, value)) if isinstance(value, list) else value


@login_required
@gate(is_auditor)
@require_GET
def access_log_export_view(request):
    form = AccessLogFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else {}
    try:
        spool, _rows = access_log_export(actor=request.user, filters=filters)
    except ApplicationError as exc:
        flash_error(request, exc)
        return access_log(request)
    return FileResponse(spool, as_attachment=True, content_type=XLSX,
                        filename=f"查询记录-{timezone.localdate():%Y%m%d}.xlsx")


def _audit_page(request, report=None):
    events = selectors.audit_events(user=request.user).order_by("-seq")[:RECENT_EVENTS]
    return render(request, "governance_pages/audit.html", {"events": events, "report": report, "active": "audit"})


@login_required
@gate(is_auditor)
@require_GET
def audit(request):
    return _audit_page(request)


@login_required
@gate(is_auditor)
@require_POST
def audit_verify(request):
    # A POST: it reads the whole chain and the checkpoints in storage, not a page to prefetch.
    return _audit_page(request, report=selectors.audit_verification(user=request.user))
