"""Forms of the governance pages. They parse; the governance services decide."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.accounts import roles
from dangan.accounts.models import User
from dangan.archives.models import ArchiveCategory
from dangan.governance.models import AccessRecord

# A chain longer than this is refused by the service anyway (1–10 levels); six rows on the
# page cover every chain in the seed policies with room to spare.
CHAIN_ROWS = 6
YEARS = {"required": False, "min_value": 0, "max_value": 200}


class DecisionForm(forms.Form):
    step = forms.IntegerField(min_value=0, max_value=20, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RetentionRuleForm(forms.Form):
    category = forms.ModelChoiceField(label=_("档案类别"), queryset=ArchiveCategory.objects.order_by("sort", "pk"),
                                      required=False, empty_label=_("默认规则（未单独设置的类别）"))
    name = forms.CharField(label=_("规则名称"), max_length=100, required=False, help_text=_("留空则自动命名"))
    fixed_years = forms.IntegerField(label=_("归档后保管（年）"), **YEARS)
    shelf_life = forms.BooleanField(label=_("不少于产品有效期"), required=False)
    years_after_expiry = forms.IntegerField(label=_("有效期满后再保管（年）"), **YEARS)
    years_after_relationship_end = forms.IntegerField(label=_("合作终止（封存）后（年）"), **YEARS)
    years_after_last_sale = forms.IntegerField(label=_("最后一次销售后（年）"), **YEARS)
    contract_end_field = forms.SlugField(label=_("合同终止日期字段"), max_length=50, required=False,
                                         help_text=_("该类别中日期型自定义字段的键，如 contract_end"))
    years_after_contract_end = forms.IntegerField(label=_("合同终止后（年）"), **YEARS)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["years_after_expiry"] = data["years_after_expiry"] or 0
        if not data["name"]:
            data.pop("name")
        return data


class ChainForm(forms.Form):
    """The destruction approval chain: one role per level, in order; empty rows are skipped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(name, name) for name in roles.ALL_ROLES]
        for index in range(CHAIN_ROWS):
            self.fields[f"role_{index}"] = forms.ChoiceField(label=_("第 %(n)s 级角色") % {"n": index + 1},
                                                             choices=choices, required=False)
            self.fields[f"label_{index}"] = forms.CharField(label=_("第 %(n)s 级名称") % {"n": index + 1},
                                                            max_length=100, required=False)

    @classmethod
    def for_steps(cls, steps: list[dict]) -> "ChainForm":
        initial = {}
        for index, step in enumerate(steps[:CHAIN_ROWS]):
            initial[f"role_{index}"], initial[f"label_{index}"] = step["role"], step.get("label", "")
        return cls(initial=initial)

    def rows(self):
        return [(self[f"role_{index}"], self[f"label_{index}"]) for index in range(CHAIN_ROWS)]

    def steps(self) -> list[dict]:
        return [{"role": self.cleaned_data[f"role_{index}"], "label": self.cleaned_data[f"label_{index}"]}
                for index in range(CHAIN_ROWS) if self.cleaned_data.get(f"role_{index}")]


class HoldForm(forms.Form):
    archive_number = forms.CharField(label=_("档案编号"), max_length=80)
    reason = forms.CharField(label=_("保全原因"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}), help_text=_("如诉讼、调查、审计的案号或说明"))


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}（{obj.email}）"


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AccessLogFilterForm(forms.Form):
    user = UserChoice(label=_("查询人"), queryset=User.objects.order_by("full_name", "email"), required=False,
                      empty_label=_("全部"))
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部")), *AccessRecord.Action.choices])
    customer = forms.CharField(label=_("档案编号"), max_length=80, required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("含当天"))

    def filters(self) -> dict:
        """The selector's filters (governance.selectors.access_log): ids and datetimes."""
        from dangan.archives.models import Customer

        data, filters = self.cleaned_data, {}
        if data.get("user"):
            filters["user"] = data["user"].pk
        if data.get("action"):
            filters["action"] = data["action"]
        number = (data.get("customer") or "").strip()
        if number:
            # By archive number; a destroyed file's records still name its old id.
            pk = Customer.objects.filter(archive_number=number).values_list("pk", flat=True).first()
            filters["customer"] = pk if pk is not None else (int(number) if number.isascii() and number.isdigit()
                                                              else -1)  # matches nothing
        if data.get("since"):
            filters["since"] = _day_start(data["since"])
        if data.get("until"):
            filters["until"] = _day_start(data["until"] + dt.timedelta(days=1))
        return filters
