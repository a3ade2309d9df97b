"""The platform staff console on the public host (/staff/): companies with their status and
usage, suspend / resume / delete, plans.

Every change goes through tenants/services.py, exactly like the staff API and the Django admin
at /console/; these views only parse the form and show the service's answer. Who may enter is
the staff API's rule (api/tenants/views.py `IsPlatformStaff`): a signed-in, active public-schema
user with `is_staff`. Company hosts do not route /staff/ at all (platform/urls_tenant.py).
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tenants.utils import get_public_schema_name

from dangan.accounts import lockout
from dangan.platform.errors import ApplicationError
from dangan.tenants import services
from dangan.tenants.models import Tenant
from dangan.tenants.services import tenant_host

from ..archives.pagination import keyset_page
from ..common import found, is_htmx, localized
from . import selectors
from .forms import DELETED, DeleteForm, StaffAuthenticationForm, SuspendForm, TenantFilterForm

# How many platform events the company page shows; the full record stays in /console/.
EVENTS_SHOWN = 100
# Companies per page: the page's figures are read from each company's schema (one query for
# the page, selectors.live_figures), so the page stays as small as the customer list's.
PAGE_SIZE = 25


def is_platform_staff(user) -> bool:
    """The staff API's rule (IsPlatformStaff), for pages."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def staff_required(view):
    """Anonymous visitors go to the staff sign-in; signed-in non-staff get 403. Outside the
    public schema the console does not exist (404), whatever a URL configuration says."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if connection.schema_name != get_public_schema_name():
            raise Http404
        if not request.user.is_authenticated:
            return redirect(f"{reverse('staff:login')}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        if not is_platform_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def error_text(message, code: str) -> str:
    return _("%(message)s（错误代码：%(code)s）") % {"message": localized(message), "code": code}


def show_service_error(exc: ApplicationError, form) -> None:
    """The service's message in the reader's language with its stable code, on the field it
    names (the typed subdomain) or above the form."""
    placed = False
    for key, items in (exc.fields or {}).items():
        for item in items:
            form.add_error(key if key in form.fields else None,
                           error_text(item.get("message", exc.message()), item.get("code", exc.code)))
            placed = True
    if not placed:
        form.add_error(None, error_text(exc.message(), exc.code))


# --- signing in ------------------------------------------------------------------------------------

class StaffLoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    authentication_form = StaffAuthenticationForm

    def dispatch(self, request, *args, **kwargs):
        if connection.schema_name != get_public_schema_name():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return reverse("staff:tenant-list")

    def form_invalid(self, form):
        # django-axes counts failures in the public schema (accounts/lockout.py); a lockout is
        # answered here, on the sign-in page, and axes leaves that answer standing.
        if lockout.is_locked_out(self.request):
            self.request.dangan_lockout_answered = True
            context = self.get_context_data(form=form, lockout_error=lockout.locked_error())
            return self.render_to_response(context, status=429)
        return super().form_invalid(form)


class StaffLogoutView(auth_views.LogoutView):
    next_page = "staff:login"


# --- companies -------------------------------------------------------------------------------------

def _page_urls(filters: dict, page) -> dict:
    query = urlencode(filters)
    return {"next_url": f"?{query + '&' if query else ''}after={page.next_cursor}" if page.next_cursor else None,
            "first_url": f"?{query}" if query else "?"}


@staff_required
@require_GET
def tenant_list(request):
    form = TenantFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    status, search = filters.get("status", ""), filters.get("q", "")
    showing_deleted = status == DELETED
    context = {"form": form, "filters": filters, "showing_deleted": showing_deleted, "active": "tenants"}
    companies = (selectors.deleted_tenants(search=search) if showing_deleted
                 else selectors.staff_tenants(status=status, search=search))
    page = keyset_page(companies, request.GET.get("after"), PAGE_SIZE)
    if not showing_deleted:
        figures = selectors.live_figures(page.rows)
        context["rows"] = [_row(tenant, figures.get(tenant.schema_name)) for tenant in page.rows]
    context.update(page=page, **_page_urls(filters, page))
    template = "staff/_tenant_results.html" if is_htmx(request) else "staff/tenant_list.html"
    return render(request, template, context)


def _row(tenant: Tenant, figures: selectors.Figures | None) -> dict:
    figures = figures or selectors.Figures()
    quota = selectors.quota_bytes(tenant)
    used = figures.storage_bytes
    return {"tenant": tenant, "host": tenant_host(tenant.slug), "figures": figures, "quota_bytes": quota,
            "storage_percent": round(100 * used / quota, 1) if used is not None and quota else None}


def _tenant_or_404(slug: str) -> Tenant:
    return found(selectors.staff_tenant(slug))


@staff_required
@require_GET
def tenant_detail(request, slug: str):
    tenant = _tenant_or_404(slug)
    row = _row(tenant, selectors.live_figures([tenant]).get(tenant.schema_name))
    return render(request, "staff/tenant_detail.html", {
        **row, "row": row, "events": selectors.tenant_events(tenant.slug)[:EVENTS_SHOWN], "active": "tenants"})


def _action_page(request, tenant, action: str, form=None, status: int = 200):
    return render(request, "staff/tenant_confirm.html", {
        "tenant": tenant, "host": tenant_host(tenant.slug), "action": action, "form": form,
        "active": "tenants"}, status=status)


@staff_required
def tenant_suspend(request, slug: str):
    tenant = _tenant_or_404(slug)
    if request.method != "POST":
        return _action_page(request, tenant, "suspend", SuspendForm())
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return _action_page(request, tenant, "suspend", form, 400)
    try:
        services.tenant_suspend(actor=request.user, tenant=tenant, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        show_service_error(exc, form)
        return _action_page(request, tenant, "suspend", form, exc.status)
    messages.success(request, _("已暂停“%(name)s”：其网站和 API 将拒绝所有请求，数据保持不变。") % {"name": tenant.name})
    return redirect("staff:tenant-detail", slug=tenant.slug)


@staff_required
def tenant_resume(request, slug: str):
    tenant = _tenant_or_404(slug)
    if request.method != "POST":
        return _action_page(request, tenant, "resume")
    try:
        services.tenant_resume(actor=request.user, tenant=tenant)
    except ApplicationError as exc:
        form = forms.Form(data={})  # no fields: the refusal shows above the button
        show_service_error(exc, form)
        return _action_page(request, tenant, "resume", form, exc.status)
    messages.success(request, _("已恢复“%(name)s”，其用户可以重新使用。") % {"name": tenant.name})
    return redirect("staff:tenant-detail", slug=tenant.slug)


@staff_required
def tenant_delete(request, slug: str):
    tenant = _tenant_or_404(slug)
    if request.method != "POST":
        return _action_page(request, tenant, "delete", DeleteForm())
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _action_page(request, tenant, "delete", form, 400)
    try:
        services.tenant_delete(actor=request.user, tenant=tenant, **form.cleaned_data)
    except ApplicationError as exc:
        show_service_error(exc, form)
        return _action_page(request, tenant, "delete", form, exc.status)
    messages.success(request, _("已删除“%(name)s”（%(slug)s）：数据库已清除，存储中的文件已排队删除。") % {
        "name": tenant.name, "slug": tenant.slug})
    return redirect(f"{reverse('staff:tenant-list')}?{urlencode({'status': DELETED})}")


# --- plans -----------------------------------------------------------------------------------------

@staff_required
@require_GET
def plan_list(request):
    return render(request, "staff/plan_list.html", {"plans": selectors.plans(), "active": "plans"})
