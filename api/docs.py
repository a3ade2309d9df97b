"""The API documentation pages (Swagger UI, Redoc), served offline under our CSP.

Their scripts and styles come from drf-spectacular-sidecar (settings/api.py: "SIDECAR"), as
static files of this app: no CDN, so the docs work on a LAN without internet. Swagger UI's
start-up script is fetched from the same URL with ?script (SpectacularSwaggerSplitView), never
inlined, and the page's own few style rules live in web/static/dangan/api-docs.css: the
pages keep `script-src 'self'`. settings/web.py lists the one or two directives each page
still needs widened (images as data: URIs; Redoc's run-time <style> elements).
"""
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"


class RedocDocsView(SpectacularRedocView):
    template_name = "api/redoc.html"
