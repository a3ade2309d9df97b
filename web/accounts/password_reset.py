"""Password reset on a company host (Django's auth views, made tenant-aware).

- Users live in the company's schema, so the form only ever finds this company's people.
- The link in the e-mail names the company's primary host, never the request's Host header.
- Tokens are salted with the company's schema (accounts/tokens.py): a link opened on another
  company's host is refused, even where a user with the same id exists there.
- The same confirm page sets the first password of an invited user (accounts/services.py).

Included from platform/urls_tenant.py under accounts/, namespace "password_reset".
"""
from __future__ import annotations

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from dangan.accounts.models import User
from dangan.accounts.services import company_host
from dangan.accounts.tokens import password_token_generator


class TenantPasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        """Active users of this company with this e-mail. Unlike Django's default, people who
        never set a password (invited, link lost) may ask for a new link too: every account
        here is a local one."""
        return User.objects.filter(email__iexact=email, is_active=True)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = TenantPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    token_generator = password_token_generator
    success_url = reverse_lazy("password_reset:sent")

    def form_valid(self, form):
        # The link's host is the company's own (not whatever Host the request carried).
        self.extra_email_context = {"company": self.request.tenant.name}
        form.save(domain_override=company_host(), use_https=self.request.is_secure(),
                  token_generator=self.token_generator, from_email=self.from_email,
                  email_template_name=self.email_template_name, subject_template_name=self.subject_template_name,
                  request=self.request, html_email_template_name=self.html_email_template_name,
                  extra_email_context=self.extra_email_context)
        return super(auth_views.PasswordResetView, self).form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    token_generator = password_token_generator
    success_url = reverse_lazy("password_reset:complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


app_name = "password_reset"
urlpatterns = [
    path("password/reset/", PasswordResetView.as_view(), name="request"),
    path("password/reset/sent/", PasswordResetDoneView.as_view(), name="sent"),
    path("password/reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="confirm"),
    path("password/reset/done/", PasswordResetCompleteView.as_view(), name="complete"),
]
