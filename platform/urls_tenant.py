"""URLs of a company host (acme.<base domain>)."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from dangan.api.docs import RedocDocsView, SwaggerDocsView
from dangan.web.archives.views import dashboard

urlpatterns = [
    # The API first: Django tries the patterns in order, and the pages' ~120 patterns (all
    # under "") would otherwise be matched and refused before every API request (~0.15 ms).
    # No page pattern matches under api/v1/, so the order changes nothing else.
    path("api/v1/", include("dangan.api.accounts.urls")),
    path("api/v1/", include("dangan.api.archives.urls")),
    path("api/v1/", include("dangan.api.archives.urls_imports")),
    path("api/v1/", include("dangan.api.integrations.urls")),
    path("api/v1/", include("dangan.api.documents.urls")),
    path("api/v1/", include("dangan.api.governance.urls")),
    path("", dashboard.dashboard, name="home"),
    path("", include("dangan.web.archives.urls")),
    path("accounts/", include("dangan.web.accounts.urls")),
    path("accounts/", include("dangan.web.accounts.password_reset")),
    path("", include("dangan.web.settings_users.urls")),
    path("", include("dangan.web.settings_governance.urls")),
    path("", include("dangan.web.governance_pages.urls")),
    path("", include("dangan.web.governance.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="schema"), name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
]
