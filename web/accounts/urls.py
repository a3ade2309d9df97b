from django.contrib.auth import views as auth_views
from django.urls import path

from . import two_factor, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("two-factor/", two_factor.setup, name="two-factor-setup"),
    path("security/", two_factor.security, name="security"),
    path("security/unlock/", two_factor.unlock, name="security-unlock"),
    path("security/two-factor/<int:pk>/reset/", two_factor.reset, name="security-two-factor-reset"),
]
