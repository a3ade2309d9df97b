"""The web UI: Content-Security-Policy (django-csp 4) and htmx-related settings.

The pages load only their own scripts, styles, images and fonts (htmx and Chart.js are
vendored under web/static/vendor/, never taken from a CDN), run no inline script or event
handler, and cannot be framed. Chart data travels in `<script type="application/json">`
blocks, which browsers never execute, so they need no exception.
"""
from csp.constants import NONE, SELF

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],  # with X-Frame-Options: DENY for older browsers
        "base-uri": [SELF],
        # Forms post to this host only: a stored-markup bug cannot send a login form elsewhere.
        "form-action": [SELF],
    },
}

# Directives replaced for some paths (dangan.web.csp.PathPolicyCSPMiddleware). Django's admin
# (/console/) needs none: since Django 4.x it carries no inline script and no style attribute,
# and tests/web/test_security.py keeps it that way. The one page that needs one is the API
# documentation: drf-spectacular's Swagger UI loads swagger-ui from its CDN and starts it with
# an inline script and an inline <style>. It is a developer tool, not the product; serving it
# from drf-spectacular-sidecar with SpectacularSwaggerSplitView would let it drop this entry.
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
DANGAN_CSP_PATH_REPLACEMENTS = [
    ("/api/docs/", {
        "script-src": [SELF, "'unsafe-inline'", _SWAGGER_CDN],
        "style-src": [SELF, "'unsafe-inline'", _SWAGGER_CDN],
        "img-src": [SELF, "data:", _SWAGGER_CDN],
    }),
]
