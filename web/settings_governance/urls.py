"""The administrator's governance settings, under /settings/ (included from platform/urls_tenant.py)."""
from django.urls import path

from . import views

app_name = "settings_governance"
urlpatterns = [
    path("settings/confidentiality/", views.confidentiality_settings, name="confidentiality"),
    path("settings/confidentiality/levels/new/", views.level_create, name="level-create"),
    path("settings/confidentiality/levels/<int:pk>/", views.level_edit, name="level"),
    path("settings/confidentiality/levels/<int:pk>/delete/", views.level_delete, name="level-delete"),
    path("settings/confidentiality/policy/", views.confidentiality_policy_save, name="confidentiality-policy"),
    path("settings/confidentiality/clearances/", views.clearance_grant, name="clearance-grant"),
    path("settings/confidentiality/clearances/<int:user_pk>/revoke/", views.clearance_revoke,
         name="clearance-revoke"),
    path("settings/masking/", views.masking_settings, name="masking"),
    path("settings/borrowing/", views.borrowing_settings, name="borrowing"),
]
