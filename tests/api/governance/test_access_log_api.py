"""The query log over REST: the customer API records views and searches; auditors list and
export the log; nobody else, and no other company, reads it."""
import io

from openpyxl import load_workbook

from dangan.accounts import roles
from dangan.governance.models import AccessRecord


def test_viewing_and_searching_customers_is_recorded(api, company, new_customer):
    customer = new_customer()
    client = api(company.owner)
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    assert client.get("/api/v1/customers/", {"q": "同仁堂", "state": "draft"}).status_code == 200
    view, search = AccessRecord.objects.order_by("id")
    assert (view.action, view.user_id, view.customer_ids, view.object_id) == \
        ("view", company.owner.pk, [customer.pk], str(customer.pk))
    assert (search.action, search.query, search.customer_ids, search.result_count) == \
        ("list", {"q": "同仁堂", "state": "draft"}, [customer.pk], 1)
    assert view.ip == "127.0.0.1"


def test_a_refused_view_is_not_a_view(api, company, new_customer):
    customer = new_customer()
    assert api(company.outsider).get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert not AccessRecord.objects.filter(action="view").exists()


def test_auditors_list_and_filter_the_log(api, company, auditor, new_customer):
    customer = new_customer()
    api(company.owner).get(f"/api/v1/customers/{customer.pk}/")
    api(company.supervisor).get("/api/v1/customers/")
    client = api(auditor)
    rows = client.get("/api/v1/governance/access-log/").json()["results"]
    assert [row["action"] for row in rows] == ["list", "view"]  # newest first
    rows = client.get("/api/v1/governance/access-log/", {"customer": customer.pk, "action": "view"}).json()["results"]
    assert [(row["user"], row["user_name"]) for row in rows] == [(company.owner.pk, "张三")]
    assert client.get("/api/v1/governance/access-log/", {"action": "peek"}).status_code == 400


def test_auditors_export_the_log_and_the_export_is_recorded(api, company, auditor, new_customer):
    customer = new_customer()
    api(company.owner).get(f"/api/v1/customers/{customer.pk}/")
    response = api(auditor).get("/api/v1/governance/access-log/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("时间", "查询人", "邮箱", "角色", "操作") and rows[1][1] == "张三"
    assert AccessRecord.objects.filter(action="access_log_export", user=auditor).exists()


def test_nobody_but_an_auditor_reads_the_log(api, company):
    for user in (company.admin, company.owner, company.supervisor, company.custodian):
        for path in ("/api/v1/governance/access-log/", "/api/v1/governance/access-log/export.xlsx"):
            response = api(user).get(path)
            assert response.status_code == 403 and response.json()["error"]["code"] == "auditor_only"


def test_another_companys_auditor_sees_only_their_own_log(api, company, new_customer, foreign):
    customer = new_customer()
    api(company.owner).get(f"/api/v1/customers/{customer.pk}/")
    _, own, stranger = foreign(company.tenant, roles.AUDITOR)
    assert own.get("/api/v1/governance/access-log/").json()["results"] == []
    for path in ("/api/v1/governance/access-log/", "/api/v1/governance/access-log/export.xlsx"):
        response = stranger.get(path)
        assert response.status_code == 403 and response.json()["error"]["code"] == "not_authenticated"
