"""The platform staff console (Django admin on the public host): companies with their usage,
suspend / resume as actions, and deletion behind a typed confirmation. Every action goes
through tenants/services.py, exactly like the staff API."""
from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django_tenants.utils import get_public_schema_name

from dangan.platform.errors import ApplicationError

from . import selectors, services
from .models import Plan, PlatformEvent, Tenant


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "max_users", "max_storage_mb", "max_api_calls_per_day", "is_default"]


@admin.register(PlatformEvent)
class PlatformEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "tenant_slug", "tenant_name", "actor", "reason"]
    list_filter = ["action"]
    search_fields = ["tenant_slug", "tenant_name", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeleteConfirmForm(forms.Form):
    confirm_slug = forms.CharField(label="请输入子域名以确认删除 / Type the subdomain to confirm")
    reason = forms.CharField(label="原因 / Reason", widget=forms.Textarea, required=False)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "plan", "users", "storage_mb", "object_count", "usage_measured",
                    "created_at"]
    list_filter = ["status", "plan"]
    search_fields = ["name", "slug", "admin_email"]
    readonly_fields = ["schema_name", "slug", "admin_email", "created_at", "suspended_at", "suspended_reason", "status"]
    fields = ["name", "slug", "schema_name", "plan", "status", "admin_email", "created_at", "suspended_at",
              "suspended_reason"]
    actions = ["suspend_selected", "resume_selected"]

    def get_queryset(self, request):
        return selectors.tenant_list_with_usage()

    def has_add_permission(self, request):
        return False  # companies are created by signup only

    def has_delete_permission(self, request, obj=None):
        return False  # the confirmed delete view below replaces Django's

    @admin.display(description="用户数", ordering="usage_users")
    def users(self, obj):
        return obj.usage_users

    @admin.display(description="存储 (MB)", ordering="usage_storage_bytes")
    def storage_mb(self, obj):
        return round(obj.usage_storage_bytes / 1024 / 1024, 1)

    @admin.display(description="存储对象数", ordering="usage_object_count")
    def object_count(self, obj):
        return obj.usage_object_count

    @admin.display(description="用量统计时间", ordering="usage_measured_at")
    def usage_measured(self, obj):
        # Usage is measured by a periodic task; "—" until its first run for the company.
        return obj.usage_measured_at or "—"

    def _each(self, request, queryset, service, verb):
        for tenant in queryset.exclude(schema_name=get_public_schema_name()):
            try:
                service(actor=request.user, tenant=tenant)
                self.message_user(request, f"{tenant.name}: {verb}", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"{tenant.name}: {exc.localized()}", messages.ERROR)

    @admin.action(description="暂停所选公司 / Suspend")
    def suspend_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_suspend, "已暂停 / suspended")

    @admin.action(description="恢复所选公司 / Resume")
    def resume_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_resume, "已恢复 / resumed")

    def get_urls(self):
        return [path("<path:object_id>/delete-company/", self.admin_site.admin_view(self.delete_company_view),
                     name="tenants_tenant_delete_company"), *super().get_urls()]

    def delete_company_view(self, request, object_id):
        tenant = selectors.companies().get(pk=object_id)
        form = DeleteConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.tenant_delete(actor=request.user, tenant=tenant, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error("confirm_slug", exc.localized())
            else:
                self.message_user(request, f"{tenant.name} 已删除 / deleted", messages.SUCCESS)
                return redirect(reverse("admin:tenants_tenant_changelist"))
        context = {**self.admin_site.each_context(request), "tenant": tenant, "form": form,
                   "opts": self.model._meta, "title": f"删除公司 {tenant.name}"}
        return render(request, "admin/tenants/delete_company.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}),
                         "delete_company_url": reverse("admin:tenants_tenant_delete_company", args=[object_id])}
        return super().change_view(request, object_id, form_url, extra_context)
