"""Forms of the register pages. They parse what a person typed into what the services take; the
services validate it (their errors land on these fields through web.common.add_service_errors)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.governance.models import ContractPickup, Loan

ALL = [("", _("不限"))]


class FileLookupForm(forms.Form):
    """Step one of a register form: which file (by archive number)."""

    archive_number = forms.CharField(label=_("档案编号"), max_length=80,
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "aria-required": "true"}))


class LoanFilterForm(forms.Form):
    SCOPES = [("", _("全部可见")), ("mine", _("我的借阅")), ("to_decide", _("待我审批")), ("open", _("借出中"))]

    scope = forms.ChoiceField(label=_("范围"), choices=SCOPES, required=False)
    state = forms.ChoiceField(label=_("状态"), choices=ALL + list(Loan.State.choices), required=False)
    medium = forms.ChoiceField(label=_("借阅方式"), choices=ALL + list(Loan.Medium.choices), required=False)
    q = forms.CharField(label=_("档案编号或登记号"), max_length=80, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        filters = {name: data[name] for name in ("state", "medium", "q") if data.get(name)}
        if data.get("scope"):
            filters[data["scope"]] = True
        return filters


class LoanRequestForm(forms.Form):
    document = forms.TypedChoiceField(label=_("借阅资料"), coerce=int, required=False, empty_value=None,
                                      help_text=_("不选则借阅整个档案。"))
    medium = forms.ChoiceField(label=_("借阅方式"), choices=Loan.Medium.choices, widget=forms.RadioSelect,
                               initial=Loan.Medium.ELECTRONIC)
    purpose = forms.CharField(label=_("借阅用途"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("应还日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = [("", _("整个档案"))] + [(d.pk, d.title) for d in documents]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("审批意见"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("归还备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PickupFilterForm(forms.Form):
    taken = forms.ChoiceField(label=_("领取内容"), choices=ALL + list(ContractPickup.Taken.choices), required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("档案编号或领取人"), max_length=80, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class PickupForm(forms.Form):
    taken = forms.ChoiceField(label=_("领取内容"), choices=ContractPickup.Taken.choices, widget=forms.RadioSelect,
                              initial=ContractPickup.Taken.ORIGINAL)
    documents = forms.TypedMultipleChoiceField(label=_("领取资料"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("资料说明"), max_length=300, required=False,
                                  help_text=_("如：合同原件 2 份"))
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=100, initial=1)
    picked_up_at = forms.DateTimeField(label=_("领取时间"), required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
                                       help_text=_("不填则为现在。"))
    signer_name = forms.CharField(label=_("领取人姓名"), max_length=100)
    signature = forms.FileField(label=_("客户签字图像"), required=False,
                                widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
                                help_text=_("上传签字图像，或填写下方身份证号（二选一）。"))
    signer_id_number = forms.CharField(label=_("领取人身份证号"), max_length=30, required=False,
                                       help_text=_("须与档案登记的身份证号一致。"))
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = [(d.pk, d.title) for d in documents]
