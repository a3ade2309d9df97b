"""Forms of the tenant administrator's settings: categories and custom fields, classification
terms, departments and members. The services validate; these only parse."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.accounts.models import User
from dangan.archives.models import CustomFieldType, Department
from dangan.archives.models.categories import CustomerKind


def company_users():
    return User.objects.filter(is_active=True).order_by("full_name", "email")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}（{obj.email}）"


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}（{obj.email}）"


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=30, help_text=_("用于档案编号，如 JXS；创建后不能修改"))
    name = forms.CharField(label=_("名称"), max_length=100)
    numbering_pattern = forms.CharField(label=_("编号规则"), max_length=120, initial="{category}-{yyyy}-{seq:05}",
                                        help_text=_("可用 {category} {region} {department} {yyyy} {seq:05} 等"))
    review_interval_days = forms.IntegerField(label=_("更新周期（天）"), required=False, min_value=1, max_value=3650)
    default_kind = forms.ChoiceField(label=_("默认客户类型"), choices=CustomerKind.choices, initial=CustomerKind.ENTERPRISE,
                                     required=False, help_text=_("新建档案时预选的客户类型"))
    description = forms.CharField(label=_("说明"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def clean_default_kind(self) -> str:
        return self.cleaned_data["default_kind"] or CustomerKind.ENTERPRISE


class CategoryKindForm(forms.Form):
    default_kind = forms.ChoiceField(label=_("默认客户类型"), choices=CustomerKind.choices)


class FieldForm(forms.Form):
    key = forms.SlugField(label=_("键"), max_length=50,
                          help_text=_("英文字母、数字、下划线，如 plate_no；创建后不能修改，已存数据随键保留"))
    label = forms.CharField(label=_("名称"), max_length=100)
    field_type = forms.ChoiceField(label=_("类型"), choices=CustomFieldType.choices)
    required = forms.BooleanField(label=_("必填"), required=False)
    searchable = forms.BooleanField(label=_("可搜索"), required=False)
    choices = forms.CharField(label=_("选项"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("单选、多选字段：每行一个选项"))
    help_text = forms.CharField(label=_("提示"), required=False, max_length=200)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["choices"] = [line.strip() for line in data.get("choices", "").splitlines() if line.strip()]
        return data


class FieldLabelForm(forms.Form):
    label = forms.CharField(label=_("新名称"), max_length=100)


class TermForm(forms.Form):
    code = forms.CharField(label=_("代码"), max_length=50)
    name = forms.CharField(label=_("名称"), max_length=100)


class TermNameForm(forms.Form):
    name = forms.CharField(label=_("新名称"), max_length=100)


class DepartmentForm(forms.Form):
    code = forms.CharField(label=_("代码"), max_length=50)
    name = forms.CharField(label=_("名称"), max_length=100)
    parent = forms.ModelChoiceField(label=_("上级部门"), queryset=Department.objects.all(), required=False,
                                    empty_label="—")
    manager = UserChoiceField(label=_("负责人"), queryset=company_users(), required=False, empty_label="—")


class MembersForm(forms.Form):
    members = UserMultipleChoiceField(label=_("成员"), queryset=company_users(), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    manager = UserChoiceField(label=_("负责人"), queryset=company_users(), required=False, empty_label="—")
