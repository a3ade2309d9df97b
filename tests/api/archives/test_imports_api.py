"""Import and export endpoints: upload → validate → poll → apply → report; export → poll →
download. Every endpoint is also tried from another company (404) and by another user."""
from __future__ import annotations

import io
import urllib.request

import openpyxl
import pytest
from django.urls import include, path

from dangan.archives.models import Customer, ImportJob
from dangan.platform import urls_tenant
from tests.archives.test_imports import HEADERS, ROWS, csv_upload, xlsx_upload

# Until platform/urls_tenant.py includes dangan.api.archives.urls_imports, these tests serve the
# company URLs plus the import ones (this module is the URLconf while they run).
urlpatterns = list(urls_tenant.urlpatterns)
if not any(getattr(pattern, "namespace", None) == "archives_imports_api" for pattern in urlpatterns):
    urlpatterns.append(path("api/v1/", include("dangan.api.archives.urls_imports")))


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def run_tasks(eager_tasks, django_capture_on_commit_callbacks):
    """Queued tasks run in-process when the request's transaction commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _upload(client, upload, kind="customers", **extra):
    return client.post("/api/v1/imports/", {"kind": kind, "file": upload}, **extra)


def _validated(client, run_tasks, upload=None, **mapping):
    job = _upload(client, upload or xlsx_upload(ROWS)).json()
    with run_tasks():
        response = client.post(f"/api/v1/imports/{job['id']}/validate/", mapping or {}, content_type="application/json")
    assert response.status_code == 202, response.content
    return client.get(f"/api/v1/imports/{job['id']}/").json()


def _xlsx_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_upload_answers_the_headers_and_a_proposed_mapping(company, api, other_company, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # the upload arrives as a temporary file, as large ones do
    response = _upload(api(company.owner), csv_upload(ROWS, encoding="gb18030"))
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["state"], job["kind"], job["encoding"], job["headers"]) == ("pending", "customers", "gb18030", HEADERS)
    assert job["mapping"]["客户等级"] == "grade" and job["mapping"]["身份证号"] == "custom.id_number"
    assert job["created_by"]["email"] == company.owner.email and job["percentage"] == 0
    assert other_company.get(f"/api/v1/imports/{job['id']}/").status_code == 404


def test_upload_refuses_other_file_types_in_the_one_error_shape(company, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _upload(api(company.owner), SimpleUploadedFile("名单.docx", b"PK"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "import_file_type"
    assert ImportJob.objects.count() == 0


def test_upload_with_an_idempotency_key_makes_one_job(company, api, other_company):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api(company.owner)
    content = xlsx_upload(ROWS).read()  # the same bytes twice (a workbook carries its creation time)
    first = _upload(client, SimpleUploadedFile("名单.xlsx", content), HTTP_IDEMPOTENCY_KEY="upload-1")
    second = _upload(client, SimpleUploadedFile("名单.xlsx", content), HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json()["id"] == first.json()["id"]
    assert ImportJob.objects.count() == 1
    assert other_company.get(f"/api/v1/imports/{first.json()['id']}/").status_code == 404


def test_targets_list_the_fields_a_column_can_feed(company, api):
    targets = {t["key"]: t for t in api(company.owner).get("/api/v1/imports/targets/?kind=customers").json()}
    assert targets["name"]["label"] == "客户名称" and targets["custom.unit_no"]["label"] == "房号"
    ledger = {t["key"] for t in api(company.owner).get("/api/v1/imports/targets/?kind=ledger").json()}
    assert {"archive_number", "sale_date", "product_batch"} <= ledger


def test_dry_run_then_apply_through_the_api(company, api, other_company, run_tasks):
    client = api(company.owner)
    job = _validated(client, run_tasks)
    assert (job["state"], job["percentage"], job["ok_rows"], job["error_rows"]) == ("validated", 100, 2, 4)
    assert job["errors"][0] == {"row": 3, "column": "客户等级", "value": "Z", "code": "classification_invalid",
                                "message": job["errors"][0]["message"]}
    assert set(job["errors"][0]["message"]) == {"zh-hans", "en"} and job["has_error_report"]
    assert Customer.objects.count() == 0
    assert other_company.post(f"/api/v1/imports/{job['id']}/apply/").status_code == 404
    with run_tasks():
        response = client.post(f"/api/v1/imports/{job['id']}/apply/")
    assert response.status_code == 202 and response.json()["state"] == "applying"
    done = client.get(f"/api/v1/imports/{job['id']}/").json()
    assert (done["state"], done["phase"], done["percentage"], done["created_rows"]) == ("done", "apply", 100, 2)
    assert set(Customer.objects.values_list("name", flat=True)) == {"张伟", "陈静"}
    again = client.post(f"/api/v1/imports/{job['id']}/apply/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "import_job_state"


def test_validate_takes_a_corrected_mapping(company, api, other_company, run_tasks):
    client = api(company.owner)
    job = _upload(client, xlsx_upload(ROWS)).json()
    assert other_company.post(f"/api/v1/imports/{job['id']}/validate/", {}, content_type="application/json") \
        .status_code == 404
    mapping = {**job["mapping"], "客户等级": None, "身份证号": None}
    with run_tasks():
        response = client.post(f"/api/v1/imports/{job['id']}/validate/", {"mapping": mapping},
                               content_type="application/json")
    assert response.status_code == 202
    job = client.get(f"/api/v1/imports/{job['id']}/").json()
    assert (job["ok_rows"], job["error_rows"]) == (4, 2)  # grade and ID columns ignored now
    bad = client.post(f"/api/v1/imports/{job['id']}/validate/", {"mapping": {"客户名称": "no_such_field"}},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "import_mapping_invalid"


def test_error_report_is_streamed_or_presigned(company, api, other_company, run_tasks):
    client, colleague, admin = api(company.owner), api(company.colleague), api(company.admin)
    job = _validated(client, run_tasks)
    url = f"/api/v1/imports/{job['id']}/report/"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _xlsx_rows(b"".join(response.streaming_content))
    assert rows[1][:4] == (3, "客户等级", "Z", "classification_invalid") and len(rows) == 5
    presigned = client.get(url + "?presigned=true").json()
    assert presigned["expires_in"] <= 300
    with urllib.request.urlopen(presigned["url"], timeout=10) as fetched:
        assert _xlsx_rows(fetched.read()) == rows
    assert colleague.get(url).status_code == 404  # another user's job
    assert admin.get(url).status_code == 200  # administrators see every job
    assert other_company.get(url).status_code == 404


def test_no_report_before_the_first_dry_run(company, api, other_company):
    client = api(company.owner)
    job = _upload(client, xlsx_upload(ROWS)).json()
    response = client.get(f"/api/v1/imports/{job['id']}/report/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "import_report_missing"
    assert other_company.get(f"/api/v1/imports/{job['id']}/report/").status_code == 404


def test_a_session_of_another_company_is_not_signed_in_here(company, tenant_client, other_company, api):
    job = _upload(api(company.owner), xlsx_upload(ROWS)).json()
    stranger = tenant_client(company.tenant)
    stranger.cookies = other_company.cookies  # the other company's session cookie, on our host
    assert stranger.get(f"/api/v1/imports/{job['id']}/").status_code in (401, 403)


def test_export_start_poll_and_download(company, api, other_company, new_customer):
    new_customer(name="张三的客户")
    new_customer(name="李四的客户", actor=company.colleague)
    client, colleague = api(company.owner), api(company.colleague)
    response = client.post("/api/v1/exports/", {}, content_type="application/json")
    assert response.status_code == 201, response.content
    record = response.json()
    assert (record["state"], record["row_count"], record["percentage"]) == ("done", 1, 100)
    assert client.get(f"/api/v1/exports/{record['id']}/").json()["created_by"]["email"] == company.owner.email
    download = client.get(f"/api/v1/exports/{record['id']}/download/")
    assert download.status_code == 200
    rows = _xlsx_rows(b"".join(download.streaming_content))
    assert [row[1] for row in rows[1:]] == ["张三的客户"]  # a salesperson exports their own customers only
    for url in (f"/api/v1/exports/{record['id']}/", f"/api/v1/exports/{record['id']}/download/"):
        assert colleague.get(url).status_code == 404
        assert other_company.get(url).status_code == 404


def test_export_filters_are_the_lists(company, api, new_customer, other_company):
    a = new_customer(name="甲客户", grade="A")
    new_customer(name="乙客户", grade="B")
    client = api(company.owner)
    record = client.post("/api/v1/exports/", {"grade": a.grade_id, "q": "甲"}, content_type="application/json").json()
    assert record["row_count"] == 1 and record["filters"] == {"grade": a.grade_id, "q": "甲"}
    assert other_company.get(f"/api/v1/exports/{record['id']}/").status_code == 404
    bad = client.post("/api/v1/exports/", {"grade": "A级"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_failed"
    # A NUL in a custom-field key (found by schemathesis) is a 400, not PostgreSQL's 500.
    nul_key = client.post("/api/v1/exports/", {"custom": {"a\u0000b": "x"}}, content_type="application/json")
    assert nul_key.status_code == 400 and nul_key.json()["error"]["code"] == "validation_failed"


def test_a_large_export_is_queued_and_downloadable_when_done(company, api, new_customer, run_tasks, monkeypatch,
                                                           other_company):
    from dangan.archives.services import exports

    monkeypatch.setattr(exports, "SYNC_EXPORT_MAX_ROWS", 0)
    new_customer(name="客户一")
    client = api(company.owner)
    with run_tasks():
        response = client.post("/api/v1/exports/", {}, content_type="application/json")
        assert response.status_code == 202 and response.json()["state"] == "pending"
        pending = client.get(f"/api/v1/exports/{response.json()['id']}/download/")
        assert pending.status_code == 409 and pending.json()["error"]["code"] == "export_not_ready"
    done = client.get(f"/api/v1/exports/{response.json()['id']}/").json()
    assert (done["state"], done["percentage"], done["row_count"]) == ("done", 100, 1)
    assert client.get(f"/api/v1/exports/{done['id']}/download/?presigned=1").json()["url"].startswith("http")
    assert other_company.get(f"/api/v1/exports/{done['id']}/download/?presigned=1").status_code == 404


def test_openapi_documents_the_import_endpoints(company, api):
    schema = api(company.admin).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/imports/", "/api/v1/imports/{id}/validate/", "/api/v1/imports/{id}/report/",
            "/api/v1/exports/", "/api/v1/exports/{id}/download/"} <= set(paths)
