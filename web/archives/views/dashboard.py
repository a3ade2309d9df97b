"""The dashboard (工作台): my tasks, overdue files, notifications, and charts of the files I can see."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.archives import selectors
from dangan.archives.models import Notification
from dangan.archives.services import lifecycle, notifications
from dangan.governance import selectors as governance
from dangan.platform.errors import ApplicationError

from ...common import flash_error, found

TASK_LIMIT = 10  # rows per task list; the full lists are a link away


def _series(rows) -> dict:
    return {"labels": [label if label is not None else _("未分类") for label, _n in rows],
            "values": [count for _label, count in rows]}


def chart_data(user) -> dict:
    """Everything the dashboard's charts draw, as JSON for dashboard.js (no inline script)."""
    months = selectors.new_files_per_month(user=user)
    complaints = selectors.complaint_counts(user=user)
    charts = {
        "grade": {"title": _("客户等级"), **_series(selectors.customer_counts(user=user, by="grade"))},
        "region": {"title": _("地区"), **_series(selectors.customer_counts(user=user, by="region"))},
        "category": {"title": _("档案类别"), **_series(selectors.customer_counts(user=user, by="category"))},
        "months": {"title": _("每月新建档案"), "label": _("新建档案"),
                   "labels": [formats.date_format(month, "YEAR_MONTH_FORMAT") for month, _n in months],
                   "values": [count for _m, count in months]},
        "complaints": {"title": _("投诉"), "labels": [_("未关闭"), _("已关闭")],
                       "values": [complaints["open"], complaints["closed"]]},
    }
    for chart in charts.values():
        chart["empty"] = not any(chart["values"])  # an empty chart says so in words instead
    return charts


@login_required
def dashboard(request):
    user = request.user
    drafts = selectors.my_drafts(user=user)
    context = {
        "drafts": drafts[:TASK_LIMIT],
        "overdue_drafts": selectors.overdue_drafts(user=user).select_related("owner")[:TASK_LIMIT],
        "to_review": selectors.customers_awaiting_review(user=user)[:TASK_LIMIT],
        "to_file": selectors.customers_awaiting_filing(user=user)[:TASK_LIMIT],
        "change_requests": selectors.change_requests_decidable_by(user=user)[:TASK_LIMIT],
        "overdue_reviews": selectors.review_overdue(user=user).select_related("owner")[:TASK_LIMIT],
        "notifications": selectors.unread_notifications(user=user)[:TASK_LIMIT],
        "loans_to_decide": governance.loans_awaiting_decision(user=user)[:TASK_LIMIT],
        "access_requests_to_decide": governance.access_requests_to_decide(user=user).order_by("pk")[:TASK_LIMIT],
        "batches_to_decide": governance.disposition_batches_awaiting(user=user, limit=TASK_LIMIT),
        "charts": chart_data(user),
    }
    return render(request, "archives/dashboard.html", context)


@login_required
@require_POST
def notification_read(request, pk: int):
    # Someone else's notification does not exist for you.
    notification = found(Notification.objects.filter(pk=pk, recipient=request.user).first())
    try:
        lifecycle.notification_mark_read(actor=request.user, notification=notification)
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("home")


@login_required
@require_POST
def notification_read_all(request):
    notifications.mark_all_read(actor=request.user)
    return redirect("home")
