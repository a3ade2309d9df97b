"""The two-factor gate: a signed-in user who owes a code reaches nothing else.

Signing in with the password alone logs the user in (Django's session), but while the
session is not verified (no code given, `request.user.is_verified()` false) and the user needs
a second factor (accounts/two_factor.py: they turned it on, or the company requires it for
their role), every page redirects to the code page — or to enrolment when they have no device
yet — and every API call through that session answers 403. Sign-out, the language switch and
static files stay reachable. Token and API-key calls carry no session user here; the token
endpoint asks for the code itself, and approvals refuse them under the requirement.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_tenants.utils import get_public_schema_name

from dangan.platform.errors import ApplicationError

from . import signin_errors, two_factor

OPEN_PREFIXES = ("/static/", "/i18n/", "/favicon")


class TwoFactorGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self) -> set[str]:
        if self._open_paths is None:
            self._open_paths = {reverse("accounts:two-factor-verify"), reverse("accounts:two-factor-setup"),
                                reverse("accounts:logout")}
        return self._open_paths

    def __call__(self, request):
        return self.gate(request) or self.get_response(request)

    def gate(self, request):
        # Platform staff (public host) do not enrol devices yet: nothing to gate there.
        if connection.schema_name == get_public_schema_name():
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or two_factor.is_verified(user):
            return None
        path = request.path_info
        if path.startswith(OPEN_PREFIXES) or path in self.open_paths():
            return None
        enrolled = two_factor.has_two_factor(user)
        if not (enrolled or two_factor.must_use_two_factor(user)):
            return None
        if path.startswith("/api/"):
            error = ApplicationError(signin_errors.TWO_FACTOR_REQUIRED if enrolled
                                     else signin_errors.TWO_FACTOR_ENROLMENT_REQUIRED)
            return JsonResponse({"error": error.as_dict()}, status=403)
        step = reverse("accounts:two-factor-verify" if enrolled else "accounts:two-factor-setup")
        return redirect(f"{step}?{urlencode({'next': request.get_full_path()})}")
