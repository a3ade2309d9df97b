"""Forms of signing in: the two-factor code and the company's sign-in rules."""
from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=12, strip=True,
                           help_text=_("身份验证器应用中显示的 6 位数字"),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))


class SecuritySettingsForm(forms.Form):
    require_two_factor = forms.BooleanField(label=_("要求管理员和审批人使用两步验证"), required=False,
                                            help_text=_("开启后，管理员和各级审批人登录时须输入验证码，未设置的须先设置；"
                                                        "审批操作只接受已通过两步验证的网页登录。"))
