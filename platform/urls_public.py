"""URLs of the public host (localhost / the apex domain): landing, signup, staff console, staff API."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from dangan.api.docs import RedocDocsView, SwaggerDocsView
from dangan.web.public import views as public_views

admin.site.site_header = "Dangan 平台控制台"
admin.site.site_title = "Dangan 平台控制台"
admin.site.index_title = "公司与套餐"

urlpatterns = [
    path("", public_views.landing, name="landing"),
    path("signup/", public_views.signup, name="signup"),
    path("console/", admin.site.urls),
    path("staff/", include("dangan.web.staff.urls")),
    path("api/v1/", include("dangan.api.tenants.urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="dangan.platform.urls_public"), name="schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="schema"), name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
]
