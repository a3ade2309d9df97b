"""The approvals inbox (审批): files waiting for my review or my filing, change requests I decide."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dangan.archives import selectors
from dangan.governance.masking import Masker

from ..display import change_request_rows
from ..forms import ReasonForm

INBOX_LIMIT = 200  # an inbox longer than this is a staffing problem, not a paging one


@login_required
@require_GET
def inbox(request):
    user = request.user
    masker = Masker(user)  # a supervisor deciding a change sees what changed, sensitive values masked
    requests = selectors.change_requests_decidable_by(user=user).select_related("customer__category") \
        .prefetch_related("customer__category__fields")[:INBOX_LIMIT]
    return render(request, "archives/approvals.html", {
        "to_review": selectors.customers_awaiting_review(user=user)[:INBOX_LIMIT],
        "to_file": selectors.customers_awaiting_filing(user=user)[:INBOX_LIMIT],
        "change_requests": [(cr, change_request_rows(cr.customer, cr, masker)) for cr in requests],
        "reason_form": ReasonForm(),
    })
