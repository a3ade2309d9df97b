from django.urls import path

from . import views

app_name = "integrations_api"
urlpatterns = [
    path("api-keys/", views.ApiKeyListApi.as_view(), name="api-key-list"),
    path("api-keys/create/", views.ApiKeyCreateApi.as_view(), name="api-key-create"),
    path("api-keys/<int:pk>/", views.ApiKeyDetailApi.as_view(), name="api-key-detail"),
    path("api-keys/<int:pk>/revoke/", views.ApiKeyRevokeApi.as_view(), name="api-key-revoke"),
]
