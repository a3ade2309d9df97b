"""The contract pick-up register page (合同领取登记): the list with filters, the Excel export,
the form a custodian fills in while the customer signs, and the signature images."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dangan.accounts import roles
from dangan.archives.selectors import customers_visible_to
from dangan.documents.selectors import documents_visible_to
from dangan.governance import selectors
from dangan.governance.services import pickups
from dangan.platform.errors import ApplicationError

from ..common import add_service_errors, flash_error, found, is_htmx
from .forms import FileLookupForm, PickupFilterForm, PickupForm

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _readable(request) -> bool:
    try:
        selectors.require_pickup_reader(request.user)
    except ApplicationError:
        return False
    return True


@login_required
@require_GET
def pickup_list(request):
    if not _readable(request):
        return render(request, "governance/pickups/forbidden.html", status=403)
    form = PickupFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    customer = None
    if request.GET.get("customer", "").isdigit():
        customer = customers_visible_to(request.user).filter(pk=request.GET["customer"]).first()
        if customer is not None:
            filters["customer"] = customer.pk
    page = Paginator(selectors.pickup_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "customer": customer, "query": params.urlencode(),
               "may_record": pickups_may_record(request.user)}
    template = "governance/pickups/_results.html" if is_htmx(request) else "governance/pickups/list.html"
    return render(request, template, context)


def pickups_may_record(user) -> bool:
    """Custodians record pick-ups (the service refuses anyone else; this only hides the form)."""
    return roles.is_tenant_admin(user) or roles.has_role(user, roles.CUSTODIAN)


@login_required
@require_GET
def pickup_export(request):
    form = PickupFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    if request.GET.get("customer", "").isdigit():
        filters["customer"] = int(request.GET["customer"])
    try:
        spool, _rows = pickups.pickup_export(actor=request.user, filters=filters)
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect("registers:pickup-list")
    return FileResponse(spool, as_attachment=True, filename=f"合同领取登记-{timezone.localdate():%Y%m%d}.xlsx",
                        content_type=XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def pickup_create(request):
    if not pickups_may_record(request.user):
        return render(request, "governance/pickups/forbidden.html", status=403)
    source = request.POST if request.method == "POST" else request.GET
    customers = customers_visible_to(request.user)
    customer = None
    if source.get("customer", "").isdigit():
        customer = customers.filter(pk=source["customer"]).first()
    elif (source.get("archive_number") or "").strip():
        customer = customers.filter(archive_number=source["archive_number"].strip()).first()
    lookup = FileLookupForm(request.GET or None)
    if customer is None:
        if request.method == "POST":
            raise Http404
        if lookup.is_bound and lookup.is_valid():
            lookup.add_error("archive_number", _("没有找到该编号的档案。"))
        return render(request, "governance/pickups/form.html", {"lookup": lookup, "customer": None})
    documents = list(documents_visible_to(request.user).filter(customer=customer).order_by("pk"))
    form = PickupForm(request.POST or None, request.FILES or None, documents=documents)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = set(data.pop("documents") or [])
        try:
            pickups.pickup_record(actor=request.user, customer=customer,
                                  documents=[d for d in documents if d.pk in chosen], **data)
        except ApplicationError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("合同领取已登记。"))
            return redirect(f"{reverse('registers:pickup-list')}?customer={customer.pk}")
    return render(request, "governance/pickups/form.html", {"lookup": lookup, "customer": customer, "form": form})


@login_required
@require_GET
def pickup_signature(request, pk: int):
    if not _readable(request):
        raise Http404
    pickup = found(selectors.pickup_detail(user=request.user, pk=pk))
    chunks, content_type = pickups.pickup_signature(actor=request.user, pickup=pickup)
    if chunks is None:
        raise Http404
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
