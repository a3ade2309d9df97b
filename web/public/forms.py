from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    company_name = forms.CharField(label=_("公司名称"), max_length=200,
                                   widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    slug = forms.CharField(label=_("子域名"), max_length=40,
                           help_text=_("3–40 个小写字母、数字或连字符，例如 acme；公司网址为 acme.<域名>"))
    admin_name = forms.CharField(label=_("管理员姓名"), max_length=100,
                                 widget=forms.TextInput(attrs={"autocomplete": "name"}))
    admin_email = forms.EmailField(label=_("管理员邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    admin_password = forms.CharField(label=_("密码"), strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                     help_text=_("至少 10 个字符，不能是常见密码或纯数字"))
