"""django-csp's middleware with per-path replacements (settings.DANGAN_CSP_PATH_REPLACEMENTS),
and the header built once per policy rather than on every response.

django-csp can only exclude a path prefix altogether (no header at all); a page that needs one
more source should lose only that directive's strictness, not the whole policy.

django-csp builds the header string from the settings on every response (a few percent of an
API call's CPU). Without a nonce or a view's own decorator, the header depends only on which
path rule applies, so it is built the first time and reused; anything else goes the library's way.
"""
from __future__ import annotations

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import setting_changed

# What a view's @csp / @csp_update / @csp_replace / @csp_exempt leave on its response.
_VIEW_POLICY_ATTRIBUTES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                           "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")


def _path_replacement(path: str) -> int | None:
    """The index of the DANGAN_CSP_PATH_REPLACEMENTS rule that applies to `path` (first match)."""
    for index, (prefix, _directives) in enumerate(getattr(settings, "DANGAN_CSP_PATH_REPLACEMENTS", ())):
        if path.startswith(prefix):
            return index
    return None


def _excluded(path: str, setting: str) -> bool:
    prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
    return path.startswith(tuple(prefixes))


class PathPolicyCSPMiddleware(CSPMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        # (rule index, excluded, report-only excluded) → (header, report-only header); None: not set.
        self._built: dict[tuple, tuple[str | None, str | None]] = {}
        setting_changed.connect(self._forget, weak=True)

    def _forget(self, **kwargs) -> None:
        self._built.clear()

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        index = _path_replacement(request.path_info)
        if index is not None:
            directives = settings.DANGAN_CSP_PATH_REPLACEMENTS[index][1]
            # A view's own @csp_replace still wins over the path's default.
            parts.replace = {**directives, **(parts.replace or {})}
        return parts

    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None  # a nonce is per response
                or any(hasattr(response, name) for name in _VIEW_POLICY_ATTRIBUTES)
                or HEADER in response or HEADER_REPORT_ONLY in response
                or (settings.DEBUG and response.status_code in (404, 500))):
            return super().process_response(request, response)
        path = request.path_info
        key = (_path_replacement(path), _excluded(path, "CONTENT_SECURITY_POLICY"),
               _excluded(path, "CONTENT_SECURITY_POLICY_REPORT_ONLY"))
        built = self._built.get(key)
        if built is None:
            response = super().process_response(request, response)
            self._built[key] = (response.get(HEADER), response.get(HEADER_REPORT_ONLY))
            return response
        header, report_only = built
        if header:
            response[HEADER] = header
        if report_only:
            response[HEADER_REPORT_ONLY] = report_only
        # As the library does once the header is written: a nonce asked for now would not be in it.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
