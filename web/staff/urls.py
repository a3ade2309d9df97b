"""The platform staff console, under /staff/ on the public host only (platform/urls_public.py)."""
from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("", views.tenant_list, name="tenant-list"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("plans/", views.plan_list, name="plan-list"),
    path("tenants/<slug:slug>/", views.tenant_detail, name="tenant-detail"),
    path("tenants/<slug:slug>/suspend/", views.tenant_suspend, name="tenant-suspend"),
    path("tenants/<slug:slug>/resume/", views.tenant_resume, name="tenant-resume"),
    path("tenants/<slug:slug>/delete/", views.tenant_delete, name="tenant-delete"),
]
