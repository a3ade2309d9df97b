"""Forms that add a row to a customer file from its page: a contact, a sales-ledger row, a
voucher, a communication, a complaint, a service record, a satisfaction survey.

They parse what a person typed (dates, numbers, choices) with the models' own labels and
limits; the services in archives/services/records.py validate and write, and their field errors
are put back on these forms (web.common.add_service_errors)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.archives.models import (
    CommunicationRecord, Complaint, SalesLedgerEntry, SalesVoucher, SatisfactionSurvey, ServiceRecord,
)
from dangan.archives.services.records import LEDGER_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RecordForm(forms.ModelForm):
    """A row of one kind; `prefix` keeps the ids of the forms on one page apart."""

    section_name: str = ""
    add_label = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.section_name)
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.required:
                field.widget.attrs["aria-required"] = "true"

    def _post_clean(self):
        # The service validates the row (with the customer and the actor it knows): checking the
        # model here too would only say the same thing twice, or wrongly without them.
        pass

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class LedgerEntryForm(RecordForm):
    section_name = "ledger"
    add_label = _("新增台帐记录")

    class Meta:
        model = SalesLedgerEntry
        fields = LEDGER_FIELDS
        widgets = {"sale_date": DateInput(), "expiry_date": DateInput(), "note": forms.TextInput(),
                   "quantity": forms.NumberInput(attrs={"min": "0", "step": "any"})}
        # Shelf life and expiry date decide how long the file is kept (governance/services/retention.py).
        help_texts = {"shelf_life_months": _("保质期和有效期决定档案的保管期限（有效期满后再保存规定年限）。")}

    # The fields a salesperson fills in most; the rest fold away under "更多".
    MAIN = ["sale_date", "product_name", "item_number", "specification", "quantity", "product_batch",
            "shelf_life_months", "expiry_date", "voucher_number", "sales_type"]

    def main_fields(self):
        return [self[name] for name in self.MAIN]

    def more_fields(self):
        return [self[name] for name in self.fields if name not in self.MAIN]


class VoucherForm(RecordForm):
    section_name = "vouchers"
    add_label = _("新增销售凭证")
    ledger_entry = forms.TypedChoiceField(label=_("对应台帐记录"), required=False, coerce=int, empty_value=None)

    class Meta:
        model = SalesVoucher
        fields = ["number", "issued_on", "amount"]
        widgets = {"issued_on": DateInput()}

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        entries = customer.ledger_entries.order_by("-sale_date", "-id")[:50] if customer is not None else []
        self.fields["ledger_entry"].choices = [("", "—")] + [
            (entry.pk, f"{entry.sale_date:%Y-%m-%d} {entry.product_name}") for entry in entries]
        self.customer = customer

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        entry_id = data.pop("ledger_entry", None)
        data["ledger_entry"] = self.customer.ledger_entries.filter(pk=entry_id).first() if entry_id else None
        return data


class CommunicationForm(RecordForm):
    section_name = "communications"
    add_label = _("新增沟通记录")

    class Meta:
        model = CommunicationRecord
        fields = ["occurred_at", "channel", "contact_name", "summary", "next_step"]
        widgets = {"occurred_at": DateTimeInput(), "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"occurred_at": _("留空为当前时间。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].required = False


class ComplaintForm(RecordForm):
    section_name = "complaints"
    add_label = _("登记投诉")

    class Meta:
        model = Complaint
        fields = ["received_at", "subject", "description"]
        widgets = {"received_at": DateTimeInput(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"received_at": _("留空为当前时间。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].required = False


class ServiceRecordForm(RecordForm):
    section_name = "services"
    add_label = _("新增服务记录")

    class Meta:
        model = ServiceRecord
        fields = ["served_on", "kind", "description"]
        widgets = {"served_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"kind": _("例如：上门安装、技术培训、售后维修")}


class SurveyForm(RecordForm):
    section_name = "surveys"
    add_label = _("新增满意度调查")

    class Meta:
        model = SatisfactionSurvey
        fields = ["surveyed_on", "score", "comment"]
        widgets = {"surveyed_on": DateInput(), "comment": forms.Textarea(attrs={"rows": 2}),
                   "score": forms.NumberInput(attrs={"min": 1, "max": 5})}


FORMS: dict[str, type[RecordForm]] = {form.section_name: form for form in (
    LedgerEntryForm, VoucherForm, CommunicationForm, ComplaintForm, ServiceRecordForm, SurveyForm)}


class ContactForm(forms.Form):
    """One more contact; the file's contacts are written as a whole by customer_update."""

    name = forms.CharField(label=_("姓名"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"aria-required": "true"}))
    position = forms.CharField(label=_("职务"), max_length=100, required=False)
    phone = forms.CharField(label=_("电话"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False,
                            widget=forms.TextInput(attrs={"type": "email"}))
    is_primary = forms.BooleanField(label=_("设为主要联系人"), required=False)
    reason = forms.CharField(label=_("变更原因"), max_length=500, required=False,
                             help_text=_("已归档的档案：修改重要信息须说明原因，经主管审批后生效。"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "contact")
        super().__init__(*args, **kwargs)
        self.fields["name"].show_required = True

    def contact(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "position", "phone", "email", "is_primary")}


class ComplaintTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Complaint.State.choices)
    resolution = forms.CharField(label=_("处理结果"), max_length=5000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class VoucherCopyForm(forms.Form):
    received = forms.BooleanField(required=False)
