"""The administrator's user and API-key pages (设置 › 用户与角色, API 密钥).

Writes go through accounts/services.py and integrations/services.py, which refuse anyone but
a tenant administrator; `admin_required` only spares others a page that could never work.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangan.accounts import selectors as user_selectors
from dangan.accounts import services as user_services
from dangan.integrations import selectors as key_selectors
from dangan.integrations import services as key_services
from dangan.platform.errors import ApplicationError

from ..common import add_service_errors, admin_required, flash_error, found
from .forms import ApiKeyForm, InviteForm, UserForm, UserSearchForm

# A page a person scans without scrolling forever; the same size as the registers' lists.
PAGE_SIZE = 50


# --- users -----------------------------------------------------------------------------------------

def _users_page(request, form=None, status=200):
    search = UserSearchForm(request.GET or None)
    text = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    page = Paginator(user_selectors.company_users(search=text), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "settings_users/users.html", {
        "page": page, "users": page.object_list, "search": search, "q": text,
        "query": urlencode({"q": text}) if text else "",
        "form": form or InviteForm(), "active": "users"}, status=status)


@login_required
@admin_required
@require_GET
def user_list(request):
    return _users_page(request)


@login_required
@admin_required
@require_POST
def user_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _users_page(request, form, 400)
    try:
        user = user_services.user_invite(actor=request.user, link_scheme=request.scheme, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _users_page(request, form, 400)
    messages.success(request, _("已邀请 %(name)s，设置密码的链接已发到 %(email)s。") % {
        "name": user.full_name, "email": user.email})
    return redirect("settings_users:settings-users")


def _user_page(request, user, form=None, status=200):
    initial = {"full_name": user.full_name, "role_names": [g.name for g in user.groups.all()],
               "departments": list(user.departments.all())}
    return render(request, "settings_users/user.html", {
        "person": user, "form": form or UserForm(initial=initial), "active": "users"}, status=status)


@login_required
@admin_required
def user_detail(request, pk: int):
    user = found(user_selectors.company_user(pk=pk))
    if request.method != "POST":
        return _user_page(request, user)
    form = UserForm(request.POST)
    if not form.is_valid():
        return _user_page(request, user, form, 400)
    try:
        user_services.user_update(actor=request.user, user=user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(exc, form)
        return _user_page(request, user, form, 400)
    messages.success(request, _("用户信息已保存。"))
    return redirect("settings_users:settings-user", pk=user.pk)


def _user_action(request, pk: int, service, done: str):
    user = found(user_selectors.company_user(pk=pk))
    try:
        service(actor=request.user, user=user)
        messages.success(request, done % {"name": user.full_name})
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("settings_users:settings-user", pk=user.pk)


@login_required
@admin_required
@require_POST
def user_deactivate(request, pk: int):
    return _user_action(request, pk, user_services.user_deactivate, _("已停用 %(name)s；其账号和历史记录保留。"))


@login_required
@admin_required
@require_POST
def user_reactivate(request, pk: int):
    return _user_action(request, pk, user_services.user_reactivate, _("已重新启用 %(name)s。"))


@login_required
@admin_required
@require_POST
def user_resend_invitation(request, pk: int):
    def resend(*, actor, user):
        return user_services.user_invitation_resend(actor=actor, user=user, link_scheme=request.scheme)

    return _user_action(request, pk, resend, _("已向 %(name)s 重新发送设置密码的链接。"))


# --- API keys --------------------------------------------------------------------------------------

def _keys_page(request, form=None, status=200, created=None, secret=None):
    return render(request, "settings_users/api_keys.html", {
        "keys": key_selectors.api_key_list(), "form": form or ApiKeyForm(), "created": created, "secret": secret,
        "active": "api_keys"}, status=status)


@login_required
@admin_required
@require_GET
def api_key_list(request):
    return _keys_page(request)


# The service's field names, as the form calls them.
KEY_FORM_FIELDS = {"expires_at": "expires_on", "scopes": "scope"}


def _end_of(day: dt.date | None):
    """A key valid "until" a day works through that whole day, in the company's time zone."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@login_required
@admin_required
@require_POST
def api_key_create(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _keys_page(request, form, 400)
    try:
        api_key, secret = key_services.api_key_create(actor=request.user, name=form.cleaned_data["name"],
                                                      scopes=[form.cleaned_data["scope"]],
                                                      expires_at=_end_of(form.cleaned_data["expires_on"]))
    except ApplicationError as exc:
        add_service_errors(exc, form, field_map=lambda key: KEY_FORM_FIELDS.get(key, key))
        return _keys_page(request, form, 400)
    # Rendered, not redirected: the secret is shown this once and never stored in the session.
    response = _keys_page(request, created=api_key, secret=secret)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@admin_required
@require_POST
def api_key_revoke(request, pk: int):
    api_key = found(key_selectors.api_key_get(pk=pk))
    try:
        key_services.api_key_revoke(actor=request.user, api_key=api_key)
        messages.success(request, _("API 密钥“%(name)s”已吊销，使用它的请求将被拒绝。") % {"name": api_key.name})
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("settings_users:settings-api-keys")
