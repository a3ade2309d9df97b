"""Two-factor pages: the code after the password, enrolment (QR code) and the company's
sign-in rules with locked accounts (administrators). The rules live in accounts/two_factor.py
and accounts/lockout.py; these views only carry them onto pages."""
from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from dangan.accounts import lockout, two_factor
from dangan.accounts.models import SecuritySettings, User
from dangan.platform.errors import ApplicationError

from ..common import add_service_errors, admin_required, flash_error
from .forms import CodeForm, SecuritySettingsForm


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse(default)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code after the password (users with a device)."""
    if two_factor.is_verified(request.user):
        return redirect(_next_url(request))
    if not two_factor.has_two_factor(request.user):
        return redirect(f"{reverse('accounts:two-factor-setup')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify_sign_in_code(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            add_service_errors(exc, form)
            status = exc.status
        else:
            otp_login(request, device)
            return redirect(_next_url(request))
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/two_factor_verify.html",
                  {"form": form, "next": _next_url(request)}, status=status)


def qr_svg(url: str) -> str:
    """The provisioning URL as an inline SVG (no image request, nothing for the CSP to allow)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2, light="#fff",
                                                           title=_("两步验证二维码")))


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Turn two-factor on (scan, then confirm with a code) or off (with a code)."""
    user = request.user
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "disable":
                two_factor.two_factor_disable(actor=user, code=form.cleaned_data["code"])
                messages.success(request, _("两步验证已关闭。"))
                return redirect("accounts:two-factor-setup")
            device = two_factor.two_factor_enrolment_confirm(actor=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            add_service_errors(exc, form)
            status = exc.status
        else:
            otp_login(request, device)  # the code just given verifies this session too
            messages.success(request, _("两步验证已开启。以后登录时，输入密码后还需输入验证码。"))
            return redirect(_next_url(request))
    elif request.method == "POST":
        status = 400
    context = {"form": form, "next": _next_url(request), "enabled": two_factor.has_two_factor(user),
               "mandatory": two_factor.must_use_two_factor(user)}
    if not context["enabled"]:
        device = two_factor.two_factor_enrolment_start(actor=user)
        context.update(qr=qr_svg(device.config_url), secret=b32encode(device.bin_key).decode())
    return render(request, "accounts/two_factor_setup.html", context, status=status)


# --- administrators: the company's sign-in rules ---------------------------------------------------

def _security_page(request, form=None, status=200):
    settings = SecuritySettings.load()
    form = form or SecuritySettingsForm(initial={"require_two_factor": settings.require_two_factor})
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = User.objects.filter(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")) \
        .order_by("full_name", "email")
    return render(request, "accounts/security.html", {
        "form": form, "locked": lockout.locked_accounts(), "enrolled": enrolled, "active": "security",
    }, status=status)


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def security(request):
    if request.method == "GET":
        return _security_page(request)
    form = SecuritySettingsForm(request.POST)
    if not form.is_valid():
        return _security_page(request, form, 400)
    try:
        two_factor.security_settings_update(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _security_page(request, form, exc.status)
    messages.success(request, _("登录安全设置已保存。"))
    return redirect("accounts:security")


@login_required
@admin_required
@require_POST
def unlock(request):
    try:
        lockout.login_lockout_clear(actor=request.user, username=request.POST.get("username", ""))
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("账号 %(email)s 已解锁。") % {"email": request.POST.get("username", "")})
    return redirect("accounts:security")


@login_required
@admin_required
@require_POST
def reset(request, pk: int):
    person = User.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    try:
        two_factor.two_factor_reset(actor=request.user, user=person)
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已清除 %(name)s 的两步验证设备，其下次登录时须重新设置。") % {"name": person.full_name})
    return redirect("accounts:security")
