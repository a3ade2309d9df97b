"""The query log (查询记录) is complete: besides the API's file views, searches and exports, it
records traceability queries and their spreadsheets, document downloads and previews (API and
web), the web's customer page and list, full-text document searches, and reveals — each with
who, which files and what was asked. Another company's log never shows them."""
from __future__ import annotations

from django.db import connection

from dangan.governance.models import AccessRecord
from tests.api.archives.conftest import api  # noqa: F401
from tests.api.documents.test_documents_api import direct_upload
from tests.documents.conftest import clean_bucket, docs, run_tasks, store  # noqa: F401
from tests.documents.helpers import body, pdf_bytes


def _web(company, tenant_client, user):
    client = tenant_client(company.tenant)
    client.force_login(user)
    return client


def _deliver(customer):
    from dangan.archives.models import SalesLedgerEntry

    return SalesLedgerEntry.objects.create(customer=customer, sale_date="2026-03-02", product_name="阿莫西林胶囊",
                                           product_batch="B2603", created_by=customer.owner)


def test_a_traceability_query_and_its_spreadsheet_are_recorded(company, api, new_customer):
    customer = new_customer()
    _deliver(customer)
    client = api(company.custodian)
    assert client.get("/api/v1/traceability/", {"batch": "B2603"}).status_code == 200
    trace = AccessRecord.objects.get(action=AccessRecord.Action.TRACE)
    assert (trace.user_id, trace.query, trace.customer_ids, trace.result_count) == \
        (company.custodian.pk, {"batch": "B2603"}, [customer.pk], 1)
    response = client.get("/api/v1/traceability/export.xlsx", {"batch": "B2603"})
    b"".join(response.streaming_content)
    export = AccessRecord.objects.get(action=AccessRecord.Action.EXPORT)
    assert export.query == {"traceability": {"batch": "B2603"}} and export.customer_ids == [customer.pk]
    assert export.result_count == 1


def test_a_refused_trace_is_not_recorded(company, api):
    assert api(company.custodian).get("/api/v1/traceability/").status_code == 400
    assert not AccessRecord.objects.exists()


def test_the_web_customer_page_and_list_are_recorded(company, tenant_client, new_customer):
    customer = new_customer()
    client = _web(company, tenant_client, company.supervisor)
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    view = AccessRecord.objects.get(action="view")
    assert (view.user_id, view.object_id, view.customer_ids, view.query) == \
        (company.supervisor.pk, str(customer.pk), [customer.pk], {"via": "web"})
    assert client.get("/customers/", {"q": "同仁堂"}).status_code == 200
    search = AccessRecord.objects.get(action="list")
    assert search.query == {"q": "同仁堂", "via": "web"} and search.customer_ids == [customer.pk]
    assert search.result_count == 1 and search.ip == "127.0.0.1"
    # a file one may not see is not viewed, and is not in the log
    assert _web(company, tenant_client, company.outsider).get(f"/customers/{customer.pk}/").status_code == 404
    assert AccessRecord.objects.filter(action="view").count() == 1


def test_downloads_and_previews_of_documents_are_recorded(docs, api, new_customer, run_tasks, tenant_client):
    customer = new_customer()
    owner = api(docs.owner)
    started = direct_upload(owner, customer, pdf_bytes("HT-2026-0042"), run_tasks)
    version_id = started["version"]["id"]
    assert owner.get(f"/api/v1/document-versions/{version_id}/download/").status_code == 200
    download = AccessRecord.objects.get(action=AccessRecord.Action.DOWNLOAD)
    assert (download.user_id, download.customer_ids, download.object_type, download.object_id) == \
        (docs.owner.pk, [customer.pk], "documents.document", str(started["document"]["id"]))
    assert download.query == {"version": version_id, "number": 1}
    body(owner.get(f"/api/v1/document-versions/{version_id}/thumbnail/"))
    assert AccessRecord.objects.get(action=AccessRecord.Action.PREVIEW).customer_ids == [customer.pk]
    # on the web: the preview image and the download link
    web = _web(docs, tenant_client, docs.owner)
    image = web.get(f"/document-versions/{version_id}/thumbnail.png")
    assert image.status_code == 200 and b"".join(image.streaming_content)[:4] == b"\x89PNG"
    assert web.get(f"/document-versions/{version_id}/download/").status_code == 302
    assert AccessRecord.objects.filter(action="preview").count() == 2
    assert AccessRecord.objects.filter(action="download").count() == 2
    # someone who may not see the file neither previews nor downloads it, and is not logged
    outsider = _web(docs, tenant_client, docs.outsider)
    assert outsider.get(f"/document-versions/{version_id}/download/").status_code == 404
    assert not AccessRecord.objects.filter(user=docs.outsider).exists()


def test_a_full_text_search_of_documents_is_recorded(docs, api, new_customer):
    api(docs.owner).get("/api/v1/documents/search/", {"q": "合同"})
    search = AccessRecord.objects.get(action="list")
    assert search.query == {"documents": {"q": "合同"}} and search.user_id == docs.owner.pk


def test_reveals_reach_the_auditors_log_and_export_with_their_reason(company, api, new_customer, auditor):
    import io

    from openpyxl import load_workbook

    customer = new_customer()
    api(company.supervisor).post(f"/api/v1/customers/{customer.pk}/reveal/",
                                 {"field": "contacts.0.phone", "reason": "客户来电核实"}, content_type="application/json")
    rows = api(auditor).get("/api/v1/governance/access-log/", {"action": "reveal"}).json()["results"]
    assert [(row["user_name"], row["reason"], row["customer_ids"]) for row in rows] == \
        [("赵主管", "客户来电核实", [customer.pk])]
    sheet = load_workbook(io.BytesIO(b"".join(
        api(auditor).get("/api/v1/governance/access-log/export.xlsx", {"action": "reveal"}).streaming_content))).active
    header, row = list(sheet.iter_rows(values_only=True))[:2]
    assert dict(zip(header, row))["原因"] == "客户来电核实" and dict(zip(header, row))["操作"] == "查看敏感信息"


def test_another_companys_log_holds_none_of_it(company, api, new_customer, make_tenant, tenant_client):
    customer = new_customer()
    api(company.owner).get(f"/api/v1/customers/{customer.pk}/")
    connection.set_schema_to_public()
    other = make_tenant(company_name="另一家公司")
    connection.set_tenant(other)
    assert not AccessRecord.objects.exists()
    connection.set_tenant(company.tenant)
    assert AccessRecord.objects.count() == 1
