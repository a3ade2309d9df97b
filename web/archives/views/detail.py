"""The customer file ("360" page): profile, contacts, custom fields, what hangs off the file
(tabs loaded with htmx), history, change requests, and the life-cycle actions."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dangan.archives import selectors
from dangan.archives.models import ChangeRequest
from dangan.archives.services import customers as customer_services
from dangan.archives.services import lifecycle
from dangan.governance.masking import Masker
from dangan.governance.models import AccessRecord
from dangan.governance.services.access import access_record
from dangan.platform.errors import ApplicationError

from ...common import flash_error, found, is_htmx
from ..display import change_request_rows, custom_values, history_rows
from ..forms import ReasonForm
from .records import contacts_context, form_context
from .reveal import reveal_context
from .uploads import documents_context

SECTION_LIMIT = 100  # newest rows per tab; the API pages through all of them
# (name, tab label): the order of the tabs on the page.
SECTIONS = [
    ("ledger", gettext_lazy("销售台帐")),
    ("vouchers", gettext_lazy("销售凭证")),
    ("communications", gettext_lazy("沟通记录")),
    ("complaints", gettext_lazy("投诉")),
    ("services", gettext_lazy("服务记录")),
    ("surveys", gettext_lazy("满意度调查")),
    ("history", gettext_lazy("变更历史")),
    ("change_requests", gettext_lazy("变更申请")),
]
SECTION_NAMES = {name for name, _label in SECTIONS}

# action → (service, takes a reason, message on success)
ACTIONS = {
    "submit": (lifecycle.customer_submit, False, gettext_lazy("已提交审核。")),
    "approve": (lifecycle.customer_approve, False, gettext_lazy("已审核通过。")),
    "return": (lifecycle.customer_return, True, gettext_lazy("已退回修改。")),
    "file": (lifecycle.customer_file, False, gettext_lazy("已归档保管。")),
    "review": (lifecycle.customer_mark_reviewed, False, gettext_lazy("已记录本次更新核对。")),
    "archive": (lifecycle.customer_archive, True, gettext_lazy("已封存。")),
    "reactivate": (lifecycle.customer_reactivate, False, gettext_lazy("已重新启用。")),
}


def visible_customer(request, pk: int):
    """The file if this person may see it; 404 otherwise (a refusal would confirm it exists)."""
    return found(selectors.customer_detail(user=request.user, pk=pk))


def section_context(customer, name: str, masker: Masker | None = None) -> dict:
    rows = list(selectors.customer_records(customer=customer, kind=name)[:SECTION_LIMIT + 1])
    context = {"customer": customer, "section": name, "truncated": len(rows) > SECTION_LIMIT,
               "rows": rows[:SECTION_LIMIT], "limit": SECTION_LIMIT}
    if name in ("history", "change_requests"):
        masker = masker or Masker(None)  # no viewer named: everything sensitive stays masked
    if name == "history":
        context["rows"] = history_rows(customer, context["rows"], masker)
    if name == "change_requests":
        context["rows"] = [(cr, change_request_rows(customer, cr, masker)) for cr in context["rows"]]
    return context


@login_required
@require_GET
def customer_detail(request, pk: int):
    customer = visible_customer(request, pk)
    tab = request.GET.get("tab") if request.GET.get("tab") in SECTION_NAMES else "ledger"
    # The query log (查询记录): who opened which file, on the web as through the API.
    access_record(actor=request.user, action=AccessRecord.Action.VIEW, obj=customer, customer_ids=[customer.pk],
                  query={"via": "web"}, request=request)
    return render(request, "archives/customer/detail.html", page_context(request, customer, tab))


def page_context(request, customer, tab: str) -> dict:
    """The whole page with tab `tab` open (also what the record forms answer without htmx)."""
    decidable = set(selectors.change_requests_decidable_by(user=request.user)
                    .filter(customer=customer).values_list("pk", flat=True))
    masker = Masker(request.user)
    pending = [(cr, change_request_rows(customer, cr, masker), cr.pk in decidable)
               for cr in customer.change_requests.all()]  # prefetched: pending only
    context = {
        "customer": customer,
        "custom_values": custom_values(customer, masker),
        **reveal_context(request, customer, masker),
        "contacts": customer.contacts.all(),
        "actions": selectors.customer_actions(user=request.user, customer=customer),
        "pending_requests": pending,
        "sections": SECTIONS,
        "tab": tab,
        "reason_form": ReasonForm(),
        **{f"section_{k}": v for k, v in section_context(customer, tab).items()},
        **contacts_context(request, customer),
        **form_context(request, customer, tab),
        **documents_context(request, customer),
    }
    return context


@login_required
@require_GET
def customer_section(request, pk: int, name: str):
    if name not in SECTION_NAMES:
        raise Http404
    customer = visible_customer(request, pk)
    if not is_htmx(request):
        return redirect(f"{customer_url(customer)}?tab={name}")
    context = {**section_context(customer, name, Masker(request.user)), **form_context(request, customer, name)}
    return render(request, f"archives/customer/sections/_{name}.html", context)


def customer_url(customer) -> str:
    return reverse("archives:customer-detail", args=[customer.pk])


@login_required
@require_POST
def customer_action(request, pk: int, action: str):
    """One life-cycle step through its service; a refusal comes back as the service's message."""
    if action not in ACTIONS:
        raise Http404
    customer = visible_customer(request, pk)
    service, takes_reason, done = ACTIONS[action]
    form = ReasonForm(request.POST)
    form.is_valid()
    kwargs = {"reason": form.cleaned_data.get("reason", "")} if takes_reason else {}
    try:
        service(actor=request.user, customer=customer, **kwargs)
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, str(done))
    return redirect(request.POST.get("next") if _safe_next(request) else customer_url(customer))


def _safe_next(request) -> bool:
    target = request.POST.get("next")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                            require_https=request.is_secure())


@login_required
@require_POST
def change_request_decide(request, pk: int, decision: str):
    """Approve or reject a change request (a supervisor; never one's own request or file)."""
    if decision not in ("approve", "reject"):
        raise Http404
    # Only requests on files this person may see exist for them.
    change_request = found(ChangeRequest.objects.filter(
        pk=pk, customer__in=selectors.customers_visible_to(request.user)).select_related("customer").first())
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if decision == "approve":
            customer_services.change_request_approve(actor=request.user, change_request=change_request, reason=reason)
            messages.success(request, _("变更已批准并生效。"))
        else:
            customer_services.change_request_reject(actor=request.user, change_request=change_request, reason=reason)
            messages.success(request, _("变更申请已驳回。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect(request.POST.get("next") if _safe_next(request) else customer_url(change_request.customer))
