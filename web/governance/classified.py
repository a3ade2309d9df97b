"""Classified files (密级档案) on the web: the register of classified files a person may ask to
read, the request form, and the access requests — one's own and those one may decide, with
approve / reject. The rules (who may ask, who approves, for how long) are the services'."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dangan.governance import selectors
from dangan.governance.services import confidentiality
from dangan.platform.errors import ApplicationError

from ..common import flash_error, found

PAGE_LIMIT = 200  # the register is short by nature: classified files are the exception


class AccessRequestForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("查阅事由"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label=gettext_lazy("查阅天数"), min_value=1, initial=3)


class DecisionForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("审批意见"), max_length=2000, required=False)


@login_required
@require_GET
def classified_list(request):
    files = list(selectors.classified_files(user=request.user)[:PAGE_LIMIT])
    return render(request, "governance/classified/list.html", {
        "files": files, "form": AccessRequestForm(),
        "readable": {f.pk for f in files if selectors.can_view_content(request.user, f)},
    })


@login_required
@require_POST
def access_request_create(request, pk: int):
    customer = found(selectors.classified_files(user=request.user).filter(pk=pk).first())
    form = AccessRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("registers:classified-list")
    try:
        confidentiality.access_request_create(actor=request.user, customer=customer,
                                              reason=form.cleaned_data["reason"], days=form.cleaned_data["days"])
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect("registers:classified-list")
    messages.success(request, _("查阅申请已提交，等待审批。"))
    return redirect("registers:access-requests")


@login_required
@require_GET
def access_requests(request):
    return render(request, "governance/classified/requests.html", {
        "mine": selectors.access_requests_of(user=request.user).order_by("-pk")[:PAGE_LIMIT],
        "to_decide": selectors.access_requests_to_decide(user=request.user).order_by("pk")[:PAGE_LIMIT],
        "form": DecisionForm(),
    })


@login_required
@require_POST
def access_request_decide(request, pk: int, decision: str):
    if decision not in ("approve", "reject"):
        raise Http404
    pending = found(selectors.access_requests_to_decide(user=request.user).filter(pk=pk).first()
                    or selectors.access_requests_of(user=request.user).filter(pk=pk).first())
    form = DecisionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if decision == "approve":
            confidentiality.access_request_approve(actor=request.user, request=pending, reason=reason)
            messages.success(request, _("已批准：申请人可在期限内查阅该档案。"))
        else:
            confidentiality.access_request_reject(actor=request.user, request=pending, reason=reason)
            messages.success(request, _("已驳回该查阅申请。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("registers:access-requests")

