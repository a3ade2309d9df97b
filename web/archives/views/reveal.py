"""Revealing one masked value on the customer page: an explicit request with a reason, which
the query log keeps (governance/services/access.py decides and records; this only asks)."""
from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dangan.archives import selectors
from dangan.governance import masking
from dangan.governance.services.access import sensitive_value_reveal
from dangan.platform.errors import ApplicationError

from ...common import add_service_errors, found, is_htmx


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("敏感信息"))
    reason = forms.CharField(label=_("查看原因"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("例如：核对客户身份、合同领取")}))

    def __init__(self, *args, fields: list[masking.SensitiveField], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(item.path, item.label) for item in fields]


def reveal_context(request, customer, masker: masking.Masker) -> dict:
    """The reveal card, for people who see masked values and whose role may reveal them."""
    if masker.sees_clear(customer) or not masker.may_reveal(customer):
        return {"reveal_form": None}
    fields = masking.sensitive_fields(customer)
    return {"reveal_form": RevealForm(fields=fields) if fields else None}


@login_required
@require_POST
def customer_reveal(request, pk: int):
    customer = found(selectors.customer_detail(user=request.user, pk=pk))
    form = RevealForm(request.POST, fields=masking.sensitive_fields(customer))
    revealed = None
    status = 200
    if form.is_valid():
        try:
            revealed = sensitive_value_reveal(actor=request.user, customer=customer, field=form.cleaned_data["field"],
                                              reason=form.cleaned_data["reason"], request=request)
        except ApplicationError as exc:
            add_service_errors(exc, form)
            status = exc.status
    else:
        status = 400
    context = {"customer": customer, "reveal_form": form, "revealed": revealed}
    template = "archives/customer/_reveal.html" if is_htmx(request) else "archives/customer/reveal.html"
    response = render(request, template, context, status=status)
    # A clear value must not stay in any cache.
    response["Cache-Control"] = "no-store"
    return response
