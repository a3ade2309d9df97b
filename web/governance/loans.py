"""The borrowing register page (借阅登记): the list with filters (htmx refresh), the request
form, and the approve / reject / cancel / lend / return buttons each person may press."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangan.documents.selectors import documents_visible_to
from dangan.governance import selectors
from dangan.governance.services import borrowing
from dangan.platform.errors import ApplicationError

from ..common import add_service_errors, flash_error, found, is_htmx
from .forms import FileLookupForm, LoanFilterForm, LoanRequestForm, NoteForm, ReasonForm

PAGE_SIZE = 50
# action → (service call, message on success)
ACTIONS = {
    "approve": (lambda actor, loan, post: borrowing.loan_approve(actor=actor, loan=loan,
                                                                 reason=post.get("reason", "")),
                gettext_lazy("借阅申请已批准。")),
    "reject": (lambda actor, loan, post: borrowing.loan_reject(actor=actor, loan=loan, reason=post.get("reason", "")),
               gettext_lazy("借阅申请已驳回。")),
    "cancel": (lambda actor, loan, post: borrowing.loan_cancel(actor=actor, loan=loan), gettext_lazy("借阅申请已撤销。")),
    "lend": (lambda actor, loan, post: borrowing.loan_lend(actor=actor, loan=loan), gettext_lazy("已办理借出。")),
    "return": (lambda actor, loan, post: borrowing.loan_return(actor=actor, loan=loan, note=post.get("note", "")),
               gettext_lazy("已办理归还。")),
}


@login_required
@require_GET
def loan_list(request):
    form = LoanFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    customer = None
    if request.GET.get("customer", "").isdigit():
        customer = selectors.requestable_customers(request.user).filter(pk=request.GET["customer"]).first()
        if customer is not None:
            filters["customer"] = customer.pk
    page = Paginator(selectors.loan_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {
        "form": form, "page": page, "customer": customer,
        "actions": selectors.loan_actions(user=request.user, loans=list(page.object_list)),
        "query": _query(request, exclude=("page",)),
        "reason_form": ReasonForm(), "note_form": NoteForm(),
    }
    template = "governance/loans/_results.html" if is_htmx(request) else "governance/loans/list.html"
    return render(request, template, context)


def _query(request, *, exclude=()) -> str:
    params = request.GET.copy()
    for name in exclude:
        params.pop(name, None)
    return params.urlencode()


def _requested_file(request):
    """The file named by ?customer=<id> or ?archive_number=…, among those the person may ask for."""
    customers = selectors.requestable_customers(request.user)
    source = request.POST if request.method == "POST" else request.GET
    if source.get("customer", "").isdigit():
        return customers.filter(pk=source["customer"]).first()
    number = (source.get("archive_number") or "").strip()
    return customers.filter(archive_number=number).first() if number else None


@login_required
@require_http_methods(["GET", "POST"])
def loan_request(request):
    customer = _requested_file(request)
    lookup = FileLookupForm(request.GET or None)
    if customer is None:
        if lookup.is_bound and lookup.is_valid():
            lookup.add_error("archive_number", _("没有找到您可借阅的该编号档案。"))
        if request.method == "POST":
            raise Http404
        return render(request, "governance/loans/request.html", {"lookup": lookup, "customer": None})
    documents = list(documents_visible_to(request.user).filter(customer=customer).order_by("pk"))
    form = LoanRequestForm(request.POST or None, documents=documents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        document = next((d for d in documents if d.pk == data["document"]), None)
        try:
            loan = borrowing.loan_request(actor=request.user, customer=customer, document=document,
                                          medium=data["medium"], purpose=data["purpose"], due_date=data["due_date"])
        except ApplicationError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("借阅申请 %(number)s 已提交，等待审批。") % {"number": loan.number})
            return redirect(f"{reverse('registers:loan-list')}?scope=mine")
    return render(request, "governance/loans/request.html", {"lookup": lookup, "customer": customer, "form": form})


@login_required
@require_POST
def loan_action(request, pk: int, action: str):
    """One step of a loan through its service; a refusal comes back as the service's message."""
    if action not in ACTIONS:
        raise Http404
    loan = found(selectors.loan_detail(user=request.user, pk=pk))
    call, done = ACTIONS[action]
    try:
        call(request.user, loan, request.POST)
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, str(done))
    # Back to the list as it was filtered (a query string only: the path is ours).
    query = request.POST.get("query", "")
    return redirect(f"{reverse('registers:loan-list')}?{query}" if query else "registers:loan-list")
