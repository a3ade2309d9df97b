from django.urls import path

from . import views

app_name = "accounts_api"
urlpatterns = [
    path("me/", views.MeApi.as_view(), name="me"),
    path("auth/token/", views.TokenObtainApi.as_view(), name="token-obtain"),
]
