"""Company-host sign-in and sign-out (the dashboard, the home page, lives in web/archives/).

After the password, users who owe a second factor go to the code page (or to enrolment when
the company requires one and they have none): accounts/two_factor.py, web/accounts/two_factor.py.
"""
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse

from dangan.accounts import lockout, two_factor


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        if lockout.is_locked_out(self.request):
            # Answered here, on the login page in the reader's language; django-axes leaves it.
            self.request.dangan_lockout_answered = True
            context = self.get_context_data(form=form, lockout_error=lockout.locked_error())
            return self.render_to_response(context, status=429)
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if two_factor.second_factor_needed(user):
            step = "accounts:two-factor-verify" if two_factor.has_two_factor(user) else "accounts:two-factor-setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': self.get_success_url()})}")
        return response
