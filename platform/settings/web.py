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
# and tests/web/test_security.py keeps it that way. The API documentation (api/docs.py) is
# served from drf-spectacular-sidecar's static files with no inline script (Swagger UI's start-up
# script is a separate same-origin request), so script-src stays 'self' there too. What each
# still needs: Swagger UI's and Redoc's stylesheets draw icons as data: URIs; Redoc (a
# developer tool, not the product) writes its styles into <style> elements at run time
# (styled-components) and runs its search in a blob: worker.
DANGAN_CSP_PATH_REPLACEMENTS = [
    ("/api/docs/", {"img-src": [SELF, "data:"]}),
    ("/api/redoc/", {"img-src": [SELF, "data:"], "style-src": [SELF, "'unsafe-inline'"],
                     "worker-src": [SELF, "blob:"]}),
]
