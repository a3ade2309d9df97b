"""Adding to a customer file from its page (htmx): a contact, a sales-ledger row, a voucher with
its three copies, a communication, a complaint and its handling, a service record, a survey.

Each form posts to one service and answers with the part of the page it changes, re-rendered:
the section with the new row (and an empty form), or the form with the service's errors beside
its fields (422, which the page's script lets htmx swap in). Without htmx the same posts answer
the whole page. Who may write is the services' rule; the page only hides forms from people the
services would refuse anyway (selectors.customer_actions "edit")."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.archives import selectors
from dangan.archives.models import Complaint, VoucherCopy
from dangan.archives.services import customers as customer_services
from dangan.archives.services import records
from dangan.governance.masking import Masker
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors, found, is_htmx
from ..display import contact_rows
from ..record_forms import FORMS, ComplaintTransitionForm, ContactForm, RecordForm, VoucherCopyForm

# section → the service that adds its row
SERVICES = {
    "ledger": records.ledger_entry_create,
    "vouchers": records.voucher_create,
    "communications": records.communication_create,
    "complaints": records.complaint_create,
    "services": records.service_record_create,
    "surveys": records.survey_create,
}
INVALID = 422  # the form comes back with its errors; htmx swaps it in (static/dangan/records.js)


def may_write(user, customer) -> bool:
    return "edit" in selectors.customer_actions(user=user, customer=customer)


def make_form(name: str, customer, data=None) -> RecordForm:
    form_class = FORMS[name]
    if name == "vouchers":
        return form_class(data, customer=customer)
    return form_class(data)


def form_context(request, customer, name: str, form: RecordForm | None = None) -> dict:
    """The add form of section `name`, for the people who may write to the file (none for the
    history and change-request tabs)."""
    can_write = may_write(request.user, customer)
    if form is None and can_write and name in FORMS:
        form = make_form(name, customer)
    return {"record_form": form, "can_write": can_write}  # a refused form still shows why


def contacts_context(request, customer, form: ContactForm | None = None) -> dict:
    can_write = may_write(request.user, customer)
    # Phones read as this person may see them (governance/masking.py).
    return {"customer": customer, "contacts": contact_rows(customer, Masker(request.user)), "can_write": can_write,
            "contact_form": form if form is not None else (ContactForm() if can_write else None)}


def _section(request, customer, name: str, *, form=None, added=False, error="", status=200):
    """The section (htmx) or the whole page with the section open."""
    from .detail import page_context, section_context  # detail.py imports this module

    if is_htmx(request):
        context = {**section_context(customer, name), **form_context(request, customer, name, form=form),
                   "added": added, "section_error": error}
        return render(request, f"archives/customer/sections/_{name}.html", context, status=status)
    if status == 200:
        if error:
            messages.error(request, error)
        elif added:
            messages.success(request, _("已添加。"))
        return redirect(f"{_url(customer)}?tab={name}")
    context = page_context(request, customer, name)
    context.update(form_context(request, customer, name, form=form))
    return render(request, "archives/customer/detail.html", context, status=status)


def _url(customer) -> str:
    from .detail import customer_url

    return customer_url(customer)


def _visible_customer(request, pk: int):
    from .detail import visible_customer

    return visible_customer(request, pk)


@login_required
@require_POST
def record_add(request, pk: int, name: str):
    if name not in FORMS:
        raise Http404
    customer = _visible_customer(request, pk)
    form = make_form(name, customer, request.POST)
    if form.is_valid():
        try:
            SERVICES[name](actor=request.user, customer=customer, **form.service_data())
        except ApplicationError as exc:
            add_service_errors(exc, form)
        else:
            return _section(request, customer, name, added=True)
    return _section(request, customer, name, form=form, status=INVALID)


@login_required
@require_POST
def voucher_copy_mark(request, pk: int):
    """A copy of a voucher is back in the file (or, corrected, is not)."""
    copy = found(VoucherCopy.objects.select_related("voucher__customer__owner").filter(
        pk=pk, voucher__customer__in=selectors.customers_visible_to(request.user)).first())
    customer = _visible_customer(request, copy.voucher.customer_id)
    form = VoucherCopyForm(request.POST)
    form.is_valid()
    error = ""
    try:
        records.voucher_copy_mark(actor=request.user, copy=copy, received=form.cleaned_data.get("received", False),
                                  note=copy.note)
    except ApplicationError as exc:
        error = exc.localized()
    return _section(request, customer, "vouchers", error=error)


@login_required
@require_POST
def complaint_transition(request, pk: int):
    """received → handling → resolved (with the resolution) → closed, as the service allows."""
    complaint = found(Complaint.objects.select_related("customer__owner").filter(
        pk=pk, customer__in=selectors.customers_visible_to(request.user)).first())
    customer = _visible_customer(request, complaint.customer_id)
    form = ComplaintTransitionForm(request.POST)
    if not form.is_valid():
        return _section(request, customer, "complaints", error=_("无效的操作。"))
    error = ""
    try:
        records.complaint_transition(actor=request.user, complaint=complaint, to=form.cleaned_data["to"],
                                     resolution=form.cleaned_data["resolution"])
    except ApplicationError as exc:
        error = exc.localized()
    return _section(request, customer, "complaints", error=error)


@login_required
@require_POST
def contact_add(request, pk: int):
    """One more contact. The file's contacts change as a whole through customer_update, so on a
    filed file where contacts are important the addition waits for a supervisor's approval."""
    customer = _visible_customer(request, pk)
    form = ContactForm(request.POST)
    notice = ""
    if form.is_valid():
        existing = [{"name": c.name, "phone": c.phone, "email": c.email, "position": c.position,
                     "is_primary": c.is_primary} for c in customer.contacts.all()]
        new = form.contact()
        if new["is_primary"]:
            for row in existing:
                row["is_primary"] = False
        index = len(existing)
        prefix = f"contacts.{index}."

        def field_for(key: str) -> str:
            return key[len(prefix):] if key.startswith(prefix) else key

        try:
            customer, change_request = customer_services.customer_update(
                actor=request.user, customer=customer, data={"contacts": existing + [new]},
                reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            add_service_errors(exc, form, field_map=field_for)
        else:
            notice = (_("已提交变更申请：须经主管审批后生效。") if change_request is not None else _("联系人已添加。"))
            customer = _visible_customer(request, pk)  # contacts re-read in their order
            form = None
    status = 200 if form is None else INVALID
    if not is_htmx(request):
        if form is None:
            messages.success(request, notice)
        else:
            messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect(f"{_url(customer)}#contacts-card")
    context = {**contacts_context(request, customer, form=form), "contact_notice": notice}
    return render(request, "archives/customer/records/_contacts.html", context, status=status)
