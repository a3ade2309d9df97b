"""The administrator's user and API-key pages, under /settings/ (included from platform/urls_tenant.py)."""
from django.urls import path

from . import views

app_name = "settings_users"
urlpatterns = [
    path("settings/users/", views.user_list, name="settings-users"),
    path("settings/users/invite/", views.user_invite, name="settings-user-invite"),
    path("settings/users/<int:pk>/", views.user_detail, name="settings-user"),
    path("settings/users/<int:pk>/deactivate/", views.user_deactivate, name="settings-user-deactivate"),
    path("settings/users/<int:pk>/reactivate/", views.user_reactivate, name="settings-user-reactivate"),
    path("settings/users/<int:pk>/resend-invitation/", views.user_resend_invitation, name="settings-user-resend"),
    path("settings/api-keys/", views.api_key_list, name="settings-api-keys"),
    path("settings/api-keys/new/", views.api_key_create, name="settings-api-key-create"),
    path("settings/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="settings-api-key-revoke"),
]
