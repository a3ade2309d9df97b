"""django-csp's middleware with per-path replacements (settings.DANGAN_CSP_PATH_REPLACEMENTS).

django-csp can only exclude a path prefix altogether (no header at all); a page that needs one
more source should lose only that directive's strictness, not the whole policy.
"""
from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class PathPolicyCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        for prefix, directives in getattr(settings, "DANGAN_CSP_PATH_REPLACEMENTS", ()):
            if request.path_info.startswith(prefix):
                # A view's own @csp_replace still wins over the path's default.
                parts.replace = {**directives, **(parts.replace or {})}
                break
        return parts
