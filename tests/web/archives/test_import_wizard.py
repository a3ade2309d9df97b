"""The import wizard against the real import services (tasks run eagerly on commit): upload →
mapping proposed from the headers → dry-run report → apply → error report; the progress block
that polls while the worker runs; and jobs that are nobody else's business."""
from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dangan.archives.models import Customer, ImportJob
from tests.api.archives.conftest import other_company  # noqa: F401
from tests.archives.test_imports import HEADERS, ROWS, xlsx_upload
from tests.documents.conftest import clean_bucket, docs, run_tasks, store  # noqa: F401
from tests.web.conftest import text_of

HTMX = {"HTTP_HX_REQUEST": "true"}


def start(client, upload, kind="customers"):
    return client.post("/imports/", {"kind": kind, "file": upload})


def proposed(job: ImportJob) -> dict:
    """The mapping form as the page shows it: each column's proposed field preselected."""
    return {f"column_{index}": job.mapping.get(header) or "" for index, header in enumerate(job.headers)}


def test_an_upload_proposes_a_mapping_from_the_headers(docs, web):
    client = web(docs.owner)
    assert 'href="/imports/"' in text_of(client.get("/customers/"))  # the wizard starts from the list
    response = start(client, xlsx_upload(ROWS))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = text_of(client.get(response["Location"]))
    for header in HEADERS:
        assert header in page
    assert '<option value="name" selected>' in page and '<option value="grade" selected>' in page
    assert 'aria-current="step">对应列' in page and "确认对应关系并试导入" in page
    listing = text_of(client.get("/imports/"))
    assert "客户名单.xlsx" in listing and "待设置对应关系" in listing


def test_dry_run_report_apply_and_error_report(docs, web, run_tasks):
    client = web(docs.owner)
    start(client, xlsx_upload(ROWS))
    job = ImportJob.objects.get()
    with run_tasks():
        assert client.post(f"/imports/{job.pk}/mapping/", proposed(job)).status_code == 302
    report = text_of(client.get(f"/imports/{job.pk}/"))
    assert "试导入报告" in report and "正式导入 2 行" in report and 'hx-trigger' not in report
    assert "有错误的行会跳过" in report and "客户等级" in report and "Z" in report
    assert Customer.objects.count() == 0  # the dry run wrote nothing

    download = client.get(f"/imports/{job.pk}/report/")
    assert download.status_code == 200 and "filename*=UTF-8''" in download["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert workbook.active.max_row >= 5  # a header and one line per problem of the four bad rows

    with run_tasks():
        applied = client.post(f"/imports/{job.pk}/apply/")
    assert applied.status_code == 302
    done = text_of(client.get(f"/imports/{job.pk}/"))
    assert "导入完成" in done and "导入已开始" in done
    assert set(Customer.objects.values_list("name", flat=True)) == {"张伟", "陈静"}
    assert client.post(f"/imports/{job.pk}/apply/", follow=True).status_code == 200  # twice: refused, said so
    assert Customer.objects.count() == 2


def test_mapping_errors_are_shown_beside_the_column(docs, web):
    client = web(docs.owner)
    start(client, xlsx_upload(ROWS))
    job = ImportJob.objects.get()
    twice = {**proposed(job), "column_5": "name"}  # 联系人 → 客户名称 as well
    response = client.post(f"/imports/{job.pk}/mapping/", twice)
    assert response.status_code == 400
    assert 'id="id_column_5_error"' in text_of(response) and "都对应到了" in text_of(response)
    missing = {**proposed(job), "column_0": "", "column_1": ""}  # neither archive number nor name
    response = client.post(f"/imports/{job.pk}/mapping/", missing)
    assert response.status_code == 400 and "请为以下字段指定文件中的列" in text_of(response)
    job.refresh_from_db()
    assert job.state == "pending"


def test_the_job_polls_its_progress_while_the_worker_runs(docs, web):
    client = web(docs.owner)
    start(client, xlsx_upload(ROWS))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state="applying", phase="apply", total_rows=6, processed_rows=3)
    running = client.get(f"/imports/{job.pk}/", **HTMX)
    html = text_of(running)
    assert "<html" not in html and 'hx-trigger="every 1s"' in html
    assert 'value="50"' in html and "已处理 3 / 6 行（50%）" in html
    ImportJob.objects.filter(pk=job.pk).update(state="failed", failure={
        "code": "import_failed", "message": {"zh-hans": "导入过程中发生内部错误", "en": "internal error"}})
    failed = text_of(client.get(f"/imports/{job.pk}/", **HTMX))
    assert "hx-trigger" not in failed and "导入过程中发生内部错误" in failed and "从中断处继续导入" in failed


def test_a_file_that_is_not_a_spreadsheet_is_refused(docs, web):
    response = start(web(docs.owner), SimpleUploadedFile("名单.pdf", b"%PDF-1.4"))
    assert response.status_code == 400 and "只支持 .xlsx 和 .csv 文件" in text_of(response)
    assert ImportJob.objects.count() == 0


def test_a_file_name_with_markup_renders_as_text(docs, web):
    client = web(docs.owner)
    start(client, xlsx_upload(ROWS, name="<img src=x onerror=alert(1)>.xlsx"))  # no "/": kept whole
    job = ImportJob.objects.get()
    for page in (text_of(client.get(f"/imports/{job.pk}/")), text_of(client.get("/imports/"))):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.xlsx" in page


def test_jobs_are_their_authors_and_the_administrators(docs, web, other_company):
    start(web(docs.owner), xlsx_upload(ROWS))
    job = ImportJob.objects.get()
    urls = [("get", f"/imports/{job.pk}/"), ("post", f"/imports/{job.pk}/mapping/"),
            ("post", f"/imports/{job.pk}/apply/"), ("get", f"/imports/{job.pk}/report/")]
    for client in (other_company, web(docs.colleague)):
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 404, url
    connection.set_tenant(docs.tenant)
    assert "客户名单.xlsx" not in text_of(web(docs.colleague).get("/imports/"))
    assert web(docs.admin).get(f"/imports/{job.pk}/").status_code == 200
    job.refresh_from_db()
    assert job.state == "pending"


def test_the_wizard_pages_run_under_the_strict_policy(docs, web):
    from tests.web.test_security import _no_inline_code, policy

    client = web(docs.owner)
    start(client, xlsx_upload(ROWS))
    job = ImportJob.objects.get()
    for url in ("/imports/", f"/imports/{job.pk}/"):
        response = client.get(url)
        assert policy(response)["script-src"] == "'self'"
        _no_inline_code(text_of(response), url)
