"""The API documentation works offline: Swagger UI and Redoc come from drf-spectacular-sidecar
as our own static files, start without inline script, and keep script-src 'self'."""
import re

import pytest
from django.contrib.staticfiles import finders

from tests.web.conftest import scripts_without_src, text_of
from tests.web.test_security import policy

PAGES = ["/api/docs/", "/api/redoc/"]


def _references(html: str) -> list[str]:
    return re.findall(r'\b(?:src|href)="([^"]+)"', html)


def _check_offline(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    html = text_of(response)
    references = _references(html)
    assert references, url
    for ref in references:
        assert ref.startswith("/static/") or ref.startswith("/api/docs/?"), (url, ref)
        if ref.startswith("/static/"):
            assert finders.find(ref.removeprefix("/static/")), ref  # served by the app itself
    assert "cdn" not in html.lower() and "googleapis" not in html, url
    assert not scripts_without_src(html) and "<style" not in html, url
    csp = policy(response)
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'", url
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'", url


@pytest.mark.parametrize("url", PAGES)
def test_company_host_docs_reference_only_our_static_files(company, web, url):
    _check_offline(web(company.owner), url)


@pytest.mark.parametrize("url", PAGES)
def test_public_host_docs_reference_only_our_static_files(db, public_client, url):
    _check_offline(public_client, url)


def test_swagger_ui_starts_from_a_same_origin_script(company, web):
    client = web(company.owner)
    html = text_of(client.get("/api/docs/"))
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    start = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html).group(1)
    script = client.get(start.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in text_of(script) and "/api/schema/" in text_of(script)


def test_only_redoc_keeps_inline_styles_and_no_page_allows_inline_script(company, web):
    client = web(company.owner)
    swagger, redoc = policy(client.get("/api/docs/")), policy(client.get("/api/redoc/"))
    assert swagger["style-src"] == "'self'" and "data:" in swagger["img-src"]
    assert "'unsafe-inline'" in redoc["style-src"] and "'unsafe-inline'" not in redoc["script-src"]
    assert policy(client.get("/"))["img-src"] == "'self'"  # the product's pages keep the strict policy
