"""web/csp.py: per-path replacements, and the header built once per path rule without changing
what any response carries (a view's own policy and nonces still go the library's way)."""
from __future__ import annotations

from csp.constants import NONCE, SELF
from csp.decorators import csp_replace
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from dangan.web.csp import PathPolicyCSPMiddleware

HEADER = "Content-Security-Policy"
REPLACEMENTS = [("/docs/", {"img-src": ["'self'", "data:"]}),
                ("/upload/", {"connect-src": ["'self'", "https://store.example"]})]


def directives(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def through(middleware, path: str, view=None, *, use_nonce: bool = False):
    request = RequestFactory().get(path)
    middleware.process_request(request)
    nonce = str(request.csp_nonce) if use_nonce else None
    response = (view or (lambda request: HttpResponse("ok")))(request)
    return middleware.process_response(request, response), nonce


@override_settings(DANGAN_CSP_PATH_REPLACEMENTS=REPLACEMENTS)
def test_each_path_rule_keeps_its_own_header_when_reused():
    middleware = PathPolicyCSPMiddleware(lambda request: HttpResponse())
    for _round in range(2):  # the second round is answered from what the first built
        plain = directives(through(middleware, "/customers/")[0][HEADER])
        docs = directives(through(middleware, "/docs/page/")[0][HEADER])
        upload = directives(through(middleware, "/upload/x/")[0][HEADER])
        assert plain["img-src"] == "'self'" and plain["connect-src"] == "'self'"
        assert docs["img-src"] == "'self' data:" and docs["connect-src"] == "'self'"
        assert upload["connect-src"] == "'self' https://store.example" and upload["img-src"] == "'self'"
    assert len(middleware._built) == 3


@override_settings(DANGAN_CSP_PATH_REPLACEMENTS=REPLACEMENTS)
def test_the_reused_header_is_the_one_the_library_builds():
    reusing = PathPolicyCSPMiddleware(lambda request: HttpResponse())
    library = CSPMiddleware(lambda request: HttpResponse())
    through(reusing, "/customers/")
    assert through(reusing, "/customers/")[0][HEADER] == through(library, "/customers/")[0][HEADER]


@override_settings(DANGAN_CSP_PATH_REPLACEMENTS=REPLACEMENTS)
def test_a_views_own_replacement_wins_and_is_not_reused():
    middleware = PathPolicyCSPMiddleware(lambda request: HttpResponse())
    decorated = csp_replace({"img-src": ["https://images.example"]})(lambda request: HttpResponse("ok"))
    through(middleware, "/docs/a/")
    own = directives(through(middleware, "/docs/b/", decorated)[0][HEADER])
    assert own["img-src"] == "https://images.example"
    assert directives(through(middleware, "/docs/c/")[0][HEADER])["img-src"] == "'self' data:"


@override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}})
def test_a_nonce_is_in_its_own_response_only():
    middleware = PathPolicyCSPMiddleware(lambda request: HttpResponse())
    through(middleware, "/page/")
    response, nonce = through(middleware, "/page/", use_nonce=True)
    assert f"'nonce-{nonce}'" in directives(response[HEADER])["script-src"]
    assert "nonce-" not in through(middleware, "/page/")[0][HEADER]


def test_a_changed_setting_is_seen_at_once():
    middleware = PathPolicyCSPMiddleware(lambda request: HttpResponse())
    assert directives(through(middleware, "/page/")[0][HEADER])["img-src"] == "'self'"
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"img-src": [SELF, "https://img.example"]}}):
        assert directives(through(middleware, "/page/")[0][HEADER])["img-src"] == "'self' https://img.example"
    assert directives(through(middleware, "/page/")[0][HEADER])["img-src"] == "'self'"
