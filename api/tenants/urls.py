from django.urls import path

from . import views

app_name = "tenants_api"
urlpatterns = [
    path("signup/", views.SignupApi.as_view(), name="signup"),
    path("platform/tenants/", views.StaffTenantListApi.as_view(), name="tenant-list"),
    path("platform/tenants/<slug:slug>/suspend/", views.StaffTenantSuspendApi.as_view(), name="tenant-suspend"),
    path("platform/tenants/<slug:slug>/resume/", views.StaffTenantResumeApi.as_view(), name="tenant-resume"),
    path("platform/tenants/<slug:slug>/delete/", views.StaffTenantDeleteApi.as_view(), name="tenant-delete"),
]
