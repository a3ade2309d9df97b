"""Creating and editing a customer file: a form generated from the category's custom-field
definitions, contacts as a formset, the service's field errors shown next to the fields."""
from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dangan.archives.models import ArchiveCategory
from dangan.archives.services import customers as customer_services
from dangan.governance import masking
from dangan.governance.masking import Masker
from dangan.governance.writable import reject_protected_fields
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors, flash_error
from ..forms import CUSTOM_PREFIX, CategoryChoiceForm, ContactFormSet, CustomerForm, contact_initial, contacts_from
from .detail import customer_url, visible_customer


def _render(request, form, contacts, *, customer=None, status=200):
    return render(request, "archives/customer/form.html",
                  {"form": form, "contacts": contacts, "customer": customer, "category": form.category},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    """Step 1 picks the category (its fields shape the form); step 2 is the form itself."""
    category_id = request.POST.get("category") or request.GET.get("category")
    category = ArchiveCategory.objects.filter(pk=category_id, is_active=True).first() if (
        category_id and str(category_id).isdigit()) else None
    if category is None:
        return render(request, "archives/customer/choose_category.html", {"form": CategoryChoiceForm()})
    category = ArchiveCategory.objects.prefetch_related("fields").get(pk=category.pk)
    refused = _refuse_protected_fields(request) if request.method == "POST" else None
    if refused:
        return refused
    if request.method == "GET":
        return _render(request, CustomerForm(category=category, initial={"kind": category.default_kind}),
                       ContactFormSet(prefix="contacts"))
    form = CustomerForm(request.POST, category=category)
    contacts = ContactFormSet(request.POST, prefix="contacts")
    if not (form.is_valid() & contacts.is_valid()):
        return _render(request, form, contacts, status=400)
    rows, order = contacts_from(contacts)
    data = form.service_data()
    try:
        customer = customer_services.customer_create(
            actor=request.user, category=category, name=data.pop("name") or "", contacts=rows,
            custom_fields={k: v for k, v in data.pop("custom_fields").items() if v is not None}, **data)
    except ApplicationError as exc:
        add_service_errors(exc, form, field_map=form.field_for_error, formsets={"contacts": (contacts, order)})
        return _render(request, form, contacts, status=400)
    messages.success(request, _("档案 %(number)s 已建立（草稿）。") % {"number": customer.archive_number})
    return redirect(customer_url(customer))


def _refuse_protected_fields(request):
    """A form that names a field clients never set (a tampered form: ours have none of them)
    is refused whole, with the bilingual message, before anything is saved."""
    try:
        reject_protected_fields(request.POST.keys())
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect(request.get_full_path())
    return None


_CONTACT_PHONE = re.compile(r"^contacts-(\d+)-phone$")


def _masked_initial(masker: Masker, customer, form, contacts: list[dict]) -> list[dict]:
    """The edit form as this person may see it: sensitive values masked unless allowed."""
    if masker.sees_clear(customer):
        return contacts
    for key, kind in masker.custom_kinds(customer.category_id).items():
        if form.initial.get(CUSTOM_PREFIX + key):
            form.initial[CUSTOM_PREFIX + key] = masking.mask(form.initial[CUSTOM_PREFIX + key], kind)
    return masker.contacts(customer, contacts)


def _unmasked_post(request, customer):
    """The form as sent, with every value that was shown masked and came back unchanged put
    back to the stored one: saving other edits never writes stars over real numbers."""
    data = request.POST.copy()
    phones = [contact["phone"] for contact in contact_initial(customer)]
    custom = customer.custom_fields or {}
    for key in list(data.keys()):
        value = data.get(key)
        if not value or masking.STAR not in value:
            continue
        match = _CONTACT_PHONE.match(key)
        if match:
            data[key] = masking.restore_contact_phones(
                [{"phone": value}], phones[int(match.group(1)):] + phones)[0]["phone"]
        elif key.startswith(CUSTOM_PREFIX):
            data[key] = masking.restore_custom_fields({key[len(CUSTOM_PREFIX):]: value}, custom,
                                                      customer.category_id)[key[len(CUSTOM_PREFIX):]]
    return data


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = visible_customer(request, pk)
    category = customer.category
    if request.method == "GET":
        form = CustomerForm(category=category, customer=customer)
        initial = _masked_initial(Masker(request.user), customer, form, contact_initial(customer))
        return _render(request, form, ContactFormSet(prefix="contacts", initial=initial), customer=customer)
    refused = _refuse_protected_fields(request)
    if refused:
        return refused
    posted = _unmasked_post(request, customer)
    form = CustomerForm(posted, category=category, customer=customer)
    contacts = ContactFormSet(posted, prefix="contacts", initial=contact_initial(customer))
    if not (form.is_valid() & contacts.is_valid()):
        return _render(request, form, contacts, customer=customer, status=400)
    rows, order = contacts_from(contacts)
    data = form.service_data()
    data["contacts"] = rows
    try:
        customer, change_request = customer_services.customer_update(
            actor=request.user, customer=customer, data=data, reason=form.cleaned_data.get("reason") or "",
            expected_version=form.cleaned_data.get("version"))
    except ApplicationError as exc:
        add_service_errors(exc, form, field_map=form.field_for_error, formsets={"contacts": (contacts, order)})
        return _render(request, form, contacts, customer=customer, status=400)
    if change_request is not None:
        messages.info(request, _("已提交变更申请：重要信息的修改须经主管审批后生效。其他修改已保存。"))
    else:
        messages.success(request, _("档案已保存。"))
    return redirect(customer_url(customer))
