"""URLs of a company host (acme.<base domain>)."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dangan.web.archives.views import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path("", include("dangan.web.archives.urls")),
    path("accounts/", include("dangan.web.accounts.urls")),
    path("api/v1/", include("dangan.api.accounts.urls")),
    path("api/v1/", include("dangan.api.archives.urls")),
    path("api/v1/", include("dangan.api.archives.urls_imports")),
    path("api/v1/", include("dangan.api.integrations.urls")),
    path("api/v1/", include("dangan.api.documents.urls")),
    path("api/v1/", include("dangan.api.governance.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
]
