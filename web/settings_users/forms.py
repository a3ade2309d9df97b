"""Forms of the administrator's user and API-key pages. The services validate; these parse."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.accounts import roles
from dangan.archives.models import Department
from dangan.integrations.models import ApiKey

ROLE_CHOICES = [(name, name) for name in roles.ALL_ROLES]


def _departments():
    return Department.objects.order_by("sort", "pk")


class DepartmentChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        # The tree, flattened: a sub-department names its parent.
        return f"{obj.parent.name} / {obj.name}" if obj.parent_id else obj.name


class UserForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=100)
    role_names = forms.MultipleChoiceField(label=_("角色"), choices=ROLE_CHOICES, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    departments = DepartmentChoices(label=_("部门"), queryset=_departments().select_related("parent"),
                                    required=False, widget=forms.CheckboxSelectMultiple)


class InviteForm(UserForm):
    email = forms.EmailField(label=_("邮箱"), max_length=254,
                             help_text=_("对方会收到设置密码的链接，用此邮箱登录"))

    field_order = ["email", "full_name", "role_names", "departments"]


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=100, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                      "placeholder": _("姓名或邮箱")}))


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("用途，如“ERP 同步”"))
    scope = forms.ChoiceField(label=_("权限"), choices=[(ApiKey.Scope.READ, _("只读")), (ApiKey.Scope.WRITE, _("读写"))],
                              initial=ApiKey.Scope.READ)
    expires_on = forms.DateField(label=_("有效期至"), required=False, help_text=_("留空则长期有效"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
