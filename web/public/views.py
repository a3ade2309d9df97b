"""Public site: landing page and signup. Views only call the signup service."""
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dangan.platform.errors import ApplicationError
from dangan.tenants import services

from .forms import SignupForm


def landing(request):
    return render(request, "web/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.tenant_signup(**form.cleaned_data)
        except ApplicationError as exc:
            for field, items in (exc.fields or {None: []}).items():
                for item in items or [{"message": exc.message()}]:
                    message = item["message"]["en" if request.LANGUAGE_CODE.startswith("en") else "zh-hans"]
                    form.add_error(field if field in form.fields else None, message)
            if not exc.fields:
                form.add_error(None, exc.localized())
        else:
            port = request.get_port()
            suffix = "" if port in ("80", "443") else f":{port}"
            host = services.tenant_host(tenant.slug)
            return render(request, "web/signup_done.html", {
                "tenant": tenant, "login_url": f"{request.scheme}://{host}{suffix}/accounts/login/"}, status=201)
    return render(request, "web/signup.html", {"form": form}, status=400 if form.errors else 200)
