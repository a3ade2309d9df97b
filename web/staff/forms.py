"""Forms of the staff console: sign-in, the company filter, and the suspend / delete confirmations."""
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from dangan.tenants.models import Tenant

DELETED = "deleted"


class StaffAuthenticationForm(AuthenticationForm):
    """Email and password of a platform staff account (public schema).

    A right password on an account that is not staff gets the same answer as a wrong one: the
    sign-in page tells nobody which accounts exist or which passwords are right."""

    error_messages = {
        "invalid_login": _("邮箱或密码不正确，或该账号不是平台管理员。"),
        "inactive": _("邮箱或密码不正确，或该账号不是平台管理员。"),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class TenantFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        help_text=_("公司名称或子域名"),
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("", _("全部在用公司")), (Tenant.Status.ACTIVE, _("正常")), (Tenant.Status.SUSPENDED, _("已暂停")),
        (DELETED, _("已删除")),
    ])

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("暂停原因"), max_length=500,
                             help_text=_("记录在平台事件中，公司恢复后仍可查看。"),
                             widget=forms.Textarea(attrs={"rows": 3}))


class DeleteForm(forms.Form):
    confirm_slug = forms.CharField(label=_("请输入该公司的子域名以确认删除"), max_length=60,
                                   widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    reason = forms.CharField(label=_("删除原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
