"""The customer list: visibility, search (Chinese, pinyin, initials), filters, keyset pages
without counting, htmx partial refresh, saved filters and the Excel export."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangan.archives.models import ExportRecord, SavedFilter
from dangan.archives.services import lifecycle
from tests.web.conftest import text_of


def test_salesperson_lists_only_their_own_customers(company, web, new_customer):
    new_customer(name="张三的客户")
    new_customer(name="李四的客户", actor=company.colleague)
    page = text_of(web(company.owner).get("/customers/"))
    assert "张三的客户" in page and "李四的客户" not in page
    everyone = text_of(web(company.custodian).get("/customers/"))
    assert "张三的客户" in everyone and "李四的客户" in everyone


def test_search_understands_chinese_pinyin_and_initials(company, web, new_customer):
    new_customer(name="杭州康宁药房")
    new_customer(name="北京同仁堂药店")
    client = web(company.owner)
    for query in ("康宁", "hangzhoukangning", "kang", "hzkn", "HZKNYF"):
        page = text_of(client.get("/customers/", {"q": query}))
        assert "杭州康宁药房" in page and "北京同仁堂药店" not in page, query


def test_filters_narrow_the_list(company, web, new_customer):
    new_customer(name="甲级客户", grade="A", is_key_customer=True)
    submitted = new_customer(name="乙级客户", grade="B")
    lifecycle.customer_submit(actor=company.owner, customer=submitted)
    client = web(company.owner)
    from dangan.archives.models import ClassificationTerm

    grade_b = ClassificationTerm.objects.get(scheme__code="grade", code="B")
    by_grade = text_of(client.get("/customers/", {"grade": grade_b.pk}))
    assert "乙级客户" in by_grade and "甲级客户" not in by_grade
    by_state = text_of(client.get("/customers/", {"state": "submitted"}))
    assert "乙级客户" in by_state and "甲级客户" not in by_state
    key = text_of(client.get("/customers/", {"is_key_customer": "1"}))
    assert "甲级客户" in key and "乙级客户" not in key
    assert "没有符合条件的档案" in text_of(client.get("/customers/", {"overdue": "1"}))


def test_htmx_requests_get_only_the_results(company, web, new_customer):
    new_customer(name="局部刷新客户")
    client = web(company.owner)
    partial = client.get("/customers/", {"q": "局部"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = text_of(partial)
    assert "局部刷新客户" in html and "<html" not in html and 'id="filter-form"' not in html
    full = text_of(client.get("/customers/", {"q": "局部"}))
    assert "<html" in full and 'hx-get="/customers/"' in full


def test_pages_continue_after_the_last_row_and_never_count(company, web, new_customer):
    for index in range(27):
        new_customer(name=f"分页客户{index:02d}", contacts=[])
    client = web(company.owner)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/customers/")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "archives_customer" in q["sql"]]
    html = text_of(first)
    assert html.count("分页客户") == 25 and "分页客户26" in html and "分页客户01" not in html
    next_url = first.context["next_url"]
    assert next_url and 'rel="next"' in html
    second = text_of(client.get("/customers/" + next_url))
    assert second.count("分页客户") == 2 and "分页客户01" in second and "分页客户00" in second
    assert 'rel="next"' not in second and "第一页" in second


def test_a_mangled_cursor_starts_from_the_top(company, web, new_customer):
    new_customer(name="游标客户")
    assert "游标客户" in text_of(web(company.owner).get("/customers/", {"after": "not-a-cursor"}))


def test_saved_filters_are_personal(company, web, new_customer):
    new_customer(name="保存筛选客户")
    client = web(company.owner)
    response = client.post("/customers/saved-filters/", {"name": "我的药店", "q": "药店", "is_key_customer": "1"})
    assert response.status_code == 302
    saved = SavedFilter.objects.get(owner=company.owner)
    assert saved.filters == {"q": "药店", "is_key_customer": True}
    page = text_of(client.get("/customers/"))
    assert "我的药店" in page and "is_key_customer=1" in page
    duplicate = client.post("/customers/saved-filters/", {"name": "我的药店", "q": "x"}, follow=True)
    assert "已有同名的筛选" in text_of(duplicate)
    assert "我的药店" not in text_of(web(company.colleague).get("/customers/"))
    assert web(company.colleague).post(f"/customers/saved-filters/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/customers/saved-filters/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_export_to_excel_holds_what_the_list_shows(company, web, new_customer):
    new_customer(name="导出客户甲")
    new_customer(name="别人的客户", actor=company.colleague)
    client = web(company.owner)
    response = client.post("/customers/export/", {"q": "导出"})
    assert response.status_code == 302
    record = ExportRecord.objects.get(created_by=company.owner)
    assert record.state == "done" and record.row_count == 1 and record.filters == {"q": "导出"}
    page = client.get(response["Location"])
    assert "下载" in text_of(page)
    download = client.get(f"/customers/exports/{record.pk}/download/")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body[:2] == b"PK"  # an .xlsx is a zip
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(body)).active
    cells = [str(value) for row in sheet.iter_rows(min_row=2, values_only=True) for value in row]
    assert "导出客户甲" in cells and "别人的客户" not in cells
    assert web(company.colleague).get(f"/customers/exports/{record.pk}/").status_code == 404
