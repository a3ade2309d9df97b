"""Creating and editing a customer file: a form generated from the category's custom-field
definitions, contacts as a formset, the service's field errors shown next to the fields."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dangan.archives.models import ArchiveCategory
from dangan.archives.services import customers as customer_services
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors
from ..forms import CategoryChoiceForm, ContactFormSet, CustomerForm, contact_initial, contacts_from
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
    if request.method == "GET":
        return _render(request, CustomerForm(category=category, initial={"kind": "enterprise"}), ContactFormSet(prefix="contacts"))
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


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = visible_customer(request, pk)
    category = customer.category
    if request.method == "GET":
        return _render(request, CustomerForm(category=category, customer=customer),
                       ContactFormSet(prefix="contacts", initial=contact_initial(customer)), customer=customer)
    form = CustomerForm(request.POST, category=category, customer=customer)
    contacts = ContactFormSet(request.POST, prefix="contacts", initial=contact_initial(customer))
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
