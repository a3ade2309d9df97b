"""The customer page's fallback when the browser cannot reach object storage (a bucket without
CORS for the company host, a firewall): uploads.js abandons the direct upload it started (so no
pending version or empty document is left for the reconciler) and sends the same file through
this host; the page's later files go through this host straight away. Storage is made
unreachable with Playwright's routing, which aborts every request to S3_ENDPOINT_URL."""
from __future__ import annotations

import re

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from .conftest import screenshot
from .test_flow import assert_no_problems, scanned_contract, sign_in

PASSWORD = "Huiliu-Archive-2026"
PROCESSED_TIMEOUT = 90_000  # ms: verify, scan, text and previews on the worker of a loaded 2-core machine


def company_with_customer(data: dict) -> tuple[str, int]:
    """A company and one customer file of it, made through the services (committed: the server
    must see them)."""
    from dangan.accounts.models import User
    from dangan.archives.services.customers import customer_create
    from dangan.tenants.models import Tenant
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**data)
    with tenant_context(Tenant.objects.get(slug=tenant.slug)):
        admin = User.objects.get(email=data["admin_email"])
        customer = customer_create(actor=admin, category="gf", name="杭州回流测试客户",
                                   custom_fields={"unit_no": "5-0801"})
    return tenant.slug, customer.pk


def versions_of(slug: str, document_id: int) -> list[tuple[int, str, str]]:
    from dangan.documents.models import DocumentVersion
    from dangan.tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug=slug)):
        return list(DocumentVersion.objects.filter(document_id=document_id).order_by("number")
                    .values_list("number", "upload_state", "original_filename"))


def stored_rows(slug: str, customer_id: int, *, version_id: int, document_id: int) -> dict:
    """What the database holds of the customer's documents and of one abandoned upload."""
    from dangan.documents.models import Document, DocumentVersion
    from dangan.tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug=slug)):
        return {
            "documents": sorted(Document.objects.filter(customer_id=customer_id).values_list("pk", flat=True)),
            "version_exists": DocumentVersion.objects.filter(pk=version_id).exists(),
            "document_exists": Document.objects.filter(pk=document_id).exists(),
        }


class Traffic:
    """Every request the page sends (method, url) and every answer (method, url, status), in order,
    and what the storage route refused."""

    def __init__(self, page):
        self.sent: list[tuple[str, str]] = []
        self.answered: list[tuple[str, str, int]] = []
        self.refused: list[tuple[str, str]] = []
        page.on("request", lambda request: self.sent.append((request.method, request.url)))
        page.on("response", lambda answer: self.answered.append((answer.request.method, answer.url, answer.status)))

    def refuse(self, route) -> None:
        self.refused.append((route.request.method, route.request.url))
        route.abort()

    def to_storage(self) -> list[tuple[str, str]]:
        return [(method, url) for method, url in self.sent if url.startswith(settings.S3_ENDPOINT_URL + "/")]

    def posts(self, path_pattern: str) -> list[str]:
        return [url for method, url in self.sent if method == "POST" and re.search(path_pattern, url)]

    def status_of(self, method: str, url: str) -> int | None:
        return next((status for m, u, status in self.answered if m == method and u == url), None)


@pytest.mark.browser
def test_storage_out_of_reach_abandons_the_direct_upload_and_sends_the_files_through_this_host(
        browser_session, live_server_url, signup_data, browser_worker):
    data = signup_data(company_name="回流贸易有限公司", admin_password=PASSWORD)
    slug, customer_id = company_with_customer(data)
    base = live_server_url.replace("//localhost", f"//{slug}.localhost")
    upload_start = rf"/customers/{customer_id}/documents/upload-start/$"
    proxied_new = rf"/customers/{customer_id}/documents/upload/$"

    page = browser_session()
    traffic = Traffic(page)
    # No request reaches storage: as when the bucket answers no CORS for this host (status 0).
    page.route(lambda url: url.startswith(settings.S3_ENDPOINT_URL + "/"), traffic.refuse)
    sign_in(page, base, data["admin_email"], PASSWORD)
    page.goto(f"{base}/customers/{customer_id}/")
    expect(page.locator("form.upload")).to_have_attribute("data-upload-start", re.compile("upload-start"))

    # --- 1. the first file: direct upload started, storage unreachable, abandoned, proxied ---------
    page.locator("#id_upload_document_type").select_option(label="合同")
    with page.expect_response(lambda answer: re.search(upload_start, answer.url) is not None) as started:
        page.locator("#id_upload_file").set_input_files(
            files=[{"name": "购销合同（回流）.jpg", "mimeType": "image/jpeg", "buffer": scanned_contract()}])
    assert started.value.status == 201
    target = started.value.json()
    assert target["method"] == "PUT" and target["url"].startswith(settings.S3_ENDPOINT_URL + "/")
    abandon_url = f"{base}/api/v1/document-versions/{target['version']}/abandon/"
    assert target["abandon_url"] == abandon_url.removeprefix(base)

    item = page.locator(".upload-item").first
    expect(item.locator("progress")).to_have_js_property("value", 100)
    expect(item).to_contain_text("已上传")
    expect(item).not_to_have_class(re.compile(r"\bfailed\b"))
    row = page.locator("#document-list .document").first
    expect(row).to_contain_text("购销合同（回流）.jpg")
    expect(row).to_have_attribute("data-state", "available", timeout=PROCESSED_TIMEOUT)

    # The browser tried storage (the route refused it), then gave the pending upload up, then
    # posted the file here — in that order, once each.
    assert traffic.refused and all(method in ("PUT", "OPTIONS") for method, _url in traffic.refused), \
        traffic.refused
    assert any(method == "PUT" for method, _url in traffic.refused), traffic.refused
    assert traffic.posts(upload_start) and len(traffic.posts(upload_start)) == 1
    assert traffic.posts(re.escape(abandon_url) + "$") == [abandon_url]
    assert traffic.status_of("POST", abandon_url) == 204
    proxied = traffic.posts(proxied_new)
    assert len(proxied) == 1 and traffic.status_of("POST", proxied[0]) == 201
    order = [url for _method, url in traffic.sent]
    first_put = next(index for index, (method, url) in enumerate(traffic.sent)
                     if method == "PUT" and url.startswith(settings.S3_ENDPOINT_URL + "/"))
    assert first_put < order.index(abandon_url) < order.index(proxied[0])
    assert not traffic.posts(r"/upload-complete/$")  # storage never had the bytes

    # In the database: the abandoned version and the document it had started are gone; the file
    # is one new document with exactly one version, available.
    document_id = int(row.get_attribute("id").removeprefix("document-"))
    stored = stored_rows(slug, customer_id, version_id=target["version"], document_id=target["document"])
    assert stored == {"documents": [document_id], "version_exists": False, "document_exists": False}, stored
    assert versions_of(slug, document_id) == [(1, "available", "购销合同（回流）.jpg")]
    screenshot(page, "15-upload-fallback-proxied")

    # --- 2. the next file on this page goes through this host at once: no second try of storage ---
    tried_storage = len(traffic.to_storage())
    page.locator("#id_upload_document_type").select_option(label="身份证复印件")
    page.locator("#id_upload_file").set_input_files(
        files=[{"name": "法人身份证（回流）.jpg", "mimeType": "image/jpeg", "buffer": scanned_contract()}])
    expect(page.locator(".upload-item")).to_have_count(2)
    expect(page.locator(".upload-item").last.locator("progress")).to_have_js_property("value", 100)
    expect(page.locator(".upload-item").last).to_contain_text("已上传")
    expect(page.locator("#document-list .document")).to_have_count(2)
    second = page.locator("#document-list .document").first
    expect(second).to_contain_text("法人身份证（回流）.jpg")
    expect(second).to_have_attribute("data-state", "available", timeout=PROCESSED_TIMEOUT)
    assert len(traffic.to_storage()) == tried_storage, traffic.to_storage()
    assert len(traffic.posts(upload_start)) == 1  # no new direct upload was even started
    assert len(traffic.posts(r"/abandon/$")) == 1
    assert len(traffic.posts(proxied_new)) == 2
    second_id = int(second.get_attribute("id").removeprefix("document-"))
    assert versions_of(slug, second_id) == [(1, "available", "法人身份证（回流）.jpg")]
    assert_no_problems(page)

    # --- 3. a new version on a fresh page: tried direct again, abandoned, proxied; v1 stays -------
    page.reload()
    contract = page.locator(f"#document-{document_id}")
    expect(contract).to_have_attribute("data-state", "available")
    version_start = rf"/documents/{document_id}/versions/upload-start/$"
    with page.expect_response(lambda answer: re.search(version_start, answer.url) is not None) as started:
        contract.locator("input[data-version-file]").set_input_files(
            files=[{"name": "购销合同（签字版回流）.jpg", "mimeType": "image/jpeg", "buffer": scanned_contract()}])
    assert started.value.status == 201
    pending = started.value.json()
    assert pending["document"] == document_id
    version_abandon = f"{base}/api/v1/document-versions/{pending['version']}/abandon/"
    expect(page.locator(".upload-item").last.locator("progress")).to_have_js_property("value", 100)
    contract = page.locator("#document-list .document").first
    expect(contract).to_contain_text("购销合同（签字版回流）.jpg")
    expect(contract).to_have_attribute("data-version", "2")
    expect(contract).to_have_attribute("data-state", "available", timeout=PROCESSED_TIMEOUT)
    assert len(traffic.to_storage()) > tried_storage  # a fresh page tries storage again
    assert traffic.status_of("POST", version_abandon) == 204
    proxied_version = traffic.posts(rf"/documents/{document_id}/versions/upload/$")
    assert len(proxied_version) == 1 and traffic.status_of("POST", proxied_version[0]) == 200
    # Abandoning a new version leaves the document and its first version alone.
    stored = stored_rows(slug, customer_id, version_id=pending["version"], document_id=document_id)
    assert stored == {"documents": sorted([document_id, second_id]), "version_exists": False,
                      "document_exists": True}, stored
    assert versions_of(slug, document_id) == [(1, "available", "购销合同（回流）.jpg"),
                                              (2, "available", "购销合同（签字版回流）.jpg")]
    assert_no_problems(page)
