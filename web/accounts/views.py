"""Company-host sign-in and sign-out (the dashboard, the home page, lives in web/archives/)."""
from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
