"""The web UI: Content-Security-Policy (django-csp 4) and htmx-related settings.

The pages load only their own scripts, styles, images and fonts (htmx and Chart.js are
vendored under web/static/vendor/, never taken from a CDN), run no inline script or event
handler, and cannot be framed. Chart data travels in `<script type="application/json">`
blocks, which browsers never execute, so they need no exception. The customer pages alone may
also send XHRs to the object store's endpoint (direct uploads; DANGAN_CSP_PATH_REPLACEMENTS).
"""
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF

from .storage import S3_ENDPOINT_URL, S3_REGION

env = environ.Env()


def storage_origin(endpoint_url: str, region: str) -> str:
    """The scheme://host[:port] browsers send presigned uploads to (path-style addressing, as
    documents/storage.py signs them); AWS's regional endpoint when none is configured."""
    if not endpoint_url:
        return f"https://s3.{region}.amazonaws.com"
    parts = urlsplit(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"S3_ENDPOINT_URL must be an http(s) URL, got {endpoint_url!r}")
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


# The customer page uploads each file straight to object storage with a presigned PUT (no byte
# passes through the web process) when the bucket answers CORS for the company hosts (see
# deploy/s3-cors.json; the embedded `rclone serve s3` is started with it). Off: every file is
# streamed through the web process instead, which needs nothing from the bucket.
DANGAN_WEB_DIRECT_UPLOAD = env.bool("DANGAN_WEB_DIRECT_UPLOAD", default=True)
# Only that one origin, never '*': a stored-markup bug can still send data nowhere else.
DANGAN_STORAGE_ORIGIN = storage_origin(S3_ENDPOINT_URL, S3_REGION)

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
    # The customer pages upload documents straight to object storage (direct uploads): their
    # XHRs may also reach the storage endpoint's origin; every other page keeps 'self' only.
    *([("/customers/", {"connect-src": [SELF, DANGAN_STORAGE_ORIGIN]})] if DANGAN_WEB_DIRECT_UPLOAD else []),
    ("/api/redoc/", {"img-src": [SELF, "data:"], "style-src": [SELF, "'unsafe-inline'"],
                     "worker-src": [SELF, "blob:"]}),
]
