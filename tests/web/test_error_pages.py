"""Error pages: 400, 403, 404 in the site's own layout and language, and 500 in both languages
without a request behind it — never Django's bare English pages."""
from __future__ import annotations

from django.test import RequestFactory
from django.views import defaults

from tests.web.conftest import text_of


def test_a_missing_page_is_the_sites_own_in_chinese_then_in_english(company, web):
    client = web(company.owner)
    response = client.get("/no-such-page/")
    html = text_of(response)
    assert response.status_code == 404
    assert 'data-status="404"' in html and "页面不存在" in html and "无权查看" in html
    assert "dangan/site.css" in html and 'class="topbar"' in html  # the site's look
    assert "Not Found" not in html

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = text_of(client.get("/no-such-page/"))
    assert "Page not found" in english and "页面不存在" not in english


def test_a_page_beyond_ones_role_says_so(company, web):
    response = web(company.admin).get("/access-log/")  # the auditor's page, not the company admin's
    html = text_of(response)
    assert response.status_code == 403
    assert 'data-status="403"' in html and "没有权限" in html and "联系您的主管或公司管理员" in html
    assert "403 Forbidden" not in html


def test_the_public_site_has_the_same_missing_page(db, public_client):
    response = public_client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in text_of(response)


def test_a_server_error_page_needs_no_request_and_speaks_both_languages(db):
    response = defaults.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错" in html and "Server error" in html and "dangan/site.css" in html
    assert "{%" not in html and "{{" not in html


def test_a_bad_request_page_is_the_sites_own(db, rf=RequestFactory()):
    request = rf.get("/")
    response = defaults.bad_request(request, exception=None)
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()


def test_a_host_of_no_company_gets_the_missing_page(db, client):
    response = client.get("/", HTTP_HOST="no-such-company.localhost")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
