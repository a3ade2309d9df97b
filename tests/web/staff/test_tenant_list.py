"""The staff console's company list (/staff/ on the public host): live figures per company,
filter by status, search by name or subdomain, pages; and the plans page."""
from __future__ import annotations

from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from dangan.tenants.services import tenant_delete, tenant_suspend
from tests.web.conftest import SCRIPT, text_of

from .conftest import row_of

MB = 1024 * 1024


def _customer_document_and_usage(company, new_customer):
    """One customer with one document, 3 MB counted against the quota, two API calls today."""
    from dangan.documents.models import Document, DocumentType, StorageUsage
    from dangan.integrations.usage import api_call_count_increment

    customer = new_customer()
    Document.objects.create(customer=customer, document_type=DocumentType.objects.order_by("pk").first(),
                            title="购销合同", created_by=company.admin)
    StorageUsage.objects.update_or_create(id=1, defaults={"used_bytes": 3 * MB})
    api_call_count_increment()
    api_call_count_increment()


def test_list_shows_each_company_with_status_plan_and_live_figures(platform_staff, company, new_customer):
    _customer_document_and_usage(company, new_customer)
    connection.set_schema_to_public()
    response = platform_staff.get("/staff/")
    assert response.status_code == 200
    row = row_of(text_of(response), company.tenant.name)
    cells = [cell.split(">", 1)[1].strip() for cell in row.split("<td")[1:]]
    assert f"{company.tenant.slug}.localhost" in cells[1]
    assert "正常" in cells[2] and company.tenant.plan.name in cells[3]
    # admin + six colleagues; one customer; one document; 3 MB of the plan's quota; 2 calls today
    assert cells[4].startswith("7<") and cells[5].startswith("1<") and cells[6].startswith("1<")
    quota = company.tenant.plan.max_storage_mb * MB
    with translation.override("zh-hans"):
        assert f"3.0\xa0MB / {filesizeformat(quota)}" in cells[7]
    assert f'<progress max="{quota}" value="{3 * MB}"' in cells[7]
    assert cells[8].startswith("2<")
    english = text_of(platform_staff.get("/staff/", headers={"Accept-Language": "en"}))
    assert "API calls today" in english and "Storage (used / quota)" in english


def test_list_hides_the_platform_itself_and_shows_nothing_of_other_hosts(make_tenant, platform_staff):
    tenant = make_tenant(company_name="列表公司")
    html = text_of(platform_staff.get("/staff/"))
    assert "列表公司" in html and f"/staff/tenants/{tenant.slug}/" in html
    assert "/staff/tenants/public/" not in html
    assert platform_staff.get("/staff/tenants/public/").status_code == 404


def test_figures_of_a_company_whose_schema_is_gone_show_as_unknown(make_tenant, monkeypatch):
    """A company deleted between listing and counting: its query fails, the page does not."""
    from types import SimpleNamespace

    from dangan.tenants.models import Tenant
    from dangan.web.staff import selectors

    monkeypatch.setattr(selectors, "SCHEMAS_PER_QUERY", 1)
    tenant = make_tenant()
    figures = selectors.live_figures([tenant, SimpleNamespace(schema_name="t_dropped_meanwhile")])
    assert set(figures) == {tenant.schema_name} and figures[tenant.schema_name].users == 1
    assert Tenant.objects.filter(pk=tenant.pk).exists()  # the transaction is still usable


def test_filter_by_status_and_search_by_name_or_subdomain(make_tenant, platform_staff):
    calm = make_tenant(company_name="平静贸易")
    paused = make_tenant(company_name="欠费商行")
    tenant_suspend(actor=None, tenant=paused, reason="欠费")
    suspended_only = text_of(platform_staff.get("/staff/?status=suspended"))
    assert "欠费商行" in suspended_only and "平静贸易" not in suspended_only
    assert "已暂停" in row_of(suspended_only, "欠费商行")
    active_only = text_of(platform_staff.get("/staff/?status=active"))
    assert "平静贸易" in active_only and "欠费商行" not in active_only
    by_name = text_of(platform_staff.get("/staff/", {"q": "平静"}))
    assert "平静贸易" in by_name and "欠费商行" not in by_name
    by_slug = text_of(platform_staff.get("/staff/", {"q": paused.slug.upper()}))
    assert "欠费商行" in by_slug and "平静贸易" not in by_slug
    assert calm.slug not in by_slug


def test_deleted_companies_are_listed_from_their_deletion_record(make_tenant, platform_staff):
    gone = make_tenant(company_name="已注销公司")
    make_tenant(company_name="仍在公司")
    tenant_delete(actor=None, tenant=gone, confirm_slug=gone.slug, reason="客户要求注销")
    html = text_of(platform_staff.get("/staff/?status=deleted"))
    row = row_of(html, "已注销公司")
    assert gone.slug in row and "客户要求注销" in row and "已删除" in row
    assert "仍在公司" not in html


def test_list_pages_through_companies(make_tenant, platform_staff, monkeypatch):
    from dangan.web.staff import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    names = ["翻页一", "翻页二", "翻页三"]
    for name in names:
        make_tenant(company_name=name)
    first = platform_staff.get("/staff/", {"q": "翻页"})
    html = text_of(first)
    assert "翻页三" in html and "翻页二" in html and "翻页一" not in html  # newest first
    next_url = first.context["next_url"]
    assert next_url and "q=" in next_url
    second = text_of(platform_staff.get(f"/staff/{next_url}"))
    assert "翻页一" in second and "翻页三" not in second
    partial = platform_staff.get(f"/staff/{next_url}", headers={"HX-Request": "true"})
    assert "<html" not in text_of(partial) and "翻页一" in text_of(partial)


def test_company_name_with_markup_renders_as_text(make_tenant, platform_staff):
    tenant = make_tenant(company_name=f"坏公司{SCRIPT}")
    tenant_suspend(actor=None, tenant=tenant, reason=f"原因{SCRIPT}")
    for url in ["/staff/", f"/staff/tenants/{tenant.slug}/", f"/staff/tenants/{tenant.slug}/resume/",
                f"/staff/tenants/{tenant.slug}/delete/"]:
        html = text_of(platform_staff.get(url))
        assert SCRIPT not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_plans_page_lists_every_plan_with_its_limits(make_tenant, platform_staff):
    from dangan.tenants.models import Plan

    tenant = make_tenant()
    Plan.objects.create(code="gold", name="黄金版", max_users=200, max_storage_mb=51200, max_api_calls_per_day=90000)
    response = platform_staff.get("/staff/plans/")
    assert response.status_code == 200
    html = text_of(response)
    gold = row_of(html, "黄金版")
    assert ">200<" in gold and "51200 MB" in gold and ">90000<" in gold and ">0<" in gold
    assert tenant.plan.name in html and "/console/tenants/plan/" in html  # editing stays in the admin


def test_pages_run_under_the_strict_policy(platform_staff, make_tenant, public_client):
    from tests.web.conftest import scripts_without_src

    slug = make_tenant().slug
    pages = [(platform_staff, url) for url in ["/staff/", "/staff/plans/", "/staff/?status=deleted",
                                                f"/staff/tenants/{slug}/", f"/staff/tenants/{slug}/suspend/",
                                                f"/staff/tenants/{slug}/resume/", f"/staff/tenants/{slug}/delete/"]]
    for client, url in [*pages, (public_client, "/staff/login/")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert not scripts_without_src(text_of(response)) and " style=" not in text_of(response), url
