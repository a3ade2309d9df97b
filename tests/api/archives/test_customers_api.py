"""Customer endpoints: list, create, detail, update with ETags, actions, history, isolation."""
import pytest
from django.db import connection

from dangan.archives.models import Customer

URL = "/api/v1/customers/"


def _create(client, **overrides):
    body = {"category": "jxs", "name": "上海华联超市", "region": "east", "grade": "B",
            "contacts": [{"name": "陈经理", "phone": "13912345678", "is_primary": True}],
            "custom_fields": {"license_no": "沪药经营 2026-001"}}
    body.update(overrides)
    return client.post(URL, body, content_type="application/json")


def test_create_then_show_with_etag(company, api):
    client = api(company.owner)
    response = _create(client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["archive_number"].startswith("JXS-EAST-") and body["state"] == "draft"
    assert body["owner"]["email"] == company.owner.email and body["contacts"][0]["name"] == "陈经理"
    detail = client.get(f"{URL}{body['id']}/")
    assert detail.status_code == 200 and detail["ETag"]
    assert client.get(f"{URL}{body['id']}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304


def test_create_rejects_bad_input_with_field_errors(company, api):
    response = _create(api(company.owner), grade="Q", custom_fields={"credit_limit": "lots"}, name="")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert "name" in error["fields"]


def test_service_field_errors_reach_the_client(company, api):
    response = _create(api(company.owner), grade="Q", custom_fields={"credit_limit": "lots"})
    assert response.status_code == 400
    error = response.json()["error"]
    # Every problem at once: the reference and the custom value, each with its own message.
    assert error["code"] == "validation_failed" and set(error["fields"]) == {"grade", "custom_fields.credit_limit"}
    # One stage alone failing keeps its own error as it was.
    alone = _create(api(company.owner), grade="Q").json()["error"]
    assert alone["code"] == "validation_failed" and set(alone["fields"]) == {"grade"}


def test_state_and_number_cannot_be_set_by_the_client(company, api):
    # Refused, not silently ignored (governance/writable.py; tests/api/test_forbidden_fields.py)
    response = _create(api(company.owner), state="filed", archive_number="X-1")
    assert response.status_code == 400 and response.json()["error"]["code"] == "field_not_writable"
    assert set(response.json()["error"]["fields"]) == {"state", "archive_number"}
    # … and a file goes only to someone of one's own departments (the administrator is in none)
    response = _create(api(company.owner), owner=company.admin.pk)
    assert response.status_code == 403 and response.json()["error"]["code"] == "owner_not_assignable"
    assert not Customer.objects.exists()
    body = _create(api(company.owner)).json()
    assert body["state"] == "draft" and body["owner"]["id"] == company.owner.pk


def test_idempotent_create_runs_once(company, api):
    client = api(company.owner)
    first = _create(client, HTTP_IDEMPOTENCY_KEY="abc-123") if False else client.post(
        URL, {"category": "gr", "name": "个人甲"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-123")
    again = client.post(URL, {"category": "gr", "name": "个人甲"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Customer.objects.filter(name="个人甲").count() == 1


def test_update_with_stale_etag_is_refused(company, api):
    client = api(company.owner)
    customer_id = _create(client).json()["id"]
    etag = client.get(f"{URL}{customer_id}/")["ETag"]
    ok = client.patch(f"{URL}{customer_id}/", {"address": "上海市黄浦区"}, content_type="application/json",
                      HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["customer"]["address"] == "上海市黄浦区"
    stale = client.patch(f"{URL}{customer_id}/", {"address": "别处"}, content_type="application/json",
                         HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"


def test_life_cycle_over_the_api(company, api):
    owner, supervisor, custodian = api(company.owner), api(company.supervisor), api(company.custodian)
    customer_id = _create(owner).json()["id"]
    assert supervisor.post(f"{URL}{customer_id}/submit/").json()["error"]["code"] == "not_owner"
    assert owner.post(f"{URL}{customer_id}/submit/").json()["state"] == "submitted"
    assert owner.post(f"{URL}{customer_id}/approve/").status_code == 403
    assert supervisor.post(f"{URL}{customer_id}/approve/").json()["state"] == "approved"
    assert supervisor.post(f"{URL}{customer_id}/file/").json()["error"]["code"] == "not_custodian"
    filed = custodian.post(f"{URL}{customer_id}/file/").json()
    assert filed["state"] == "filed" and filed["custodian"]["id"] == company.custodian.pk

    change = owner.patch(f"{URL}{customer_id}/", {"name": "上海华联（集团）", "reason": "工商变更"},
                         content_type="application/json").json()
    assert change["change_request"]["state"] == "pending" and change["customer"]["name"] == "上海华联超市"
    request_id = change["change_request"]["id"]
    assert [r["id"] for r in supervisor.get("/api/v1/change-requests/").json()] == [request_id]
    approved = supervisor.post(f"/api/v1/change-requests/{request_id}/approve/")
    assert approved.status_code == 200 and approved.json()["name"] == "上海华联（集团）"
    history = owner.get(f"{URL}{customer_id}/history/").json()["results"]
    assert {"create", "submit", "approve", "file", "change_requested", "change_approved"} <= {h["action"] for h in history}


def test_list_scoping_filters_and_search(company, api):
    mine = _create(api(company.owner), name="张三商行").json()
    _create(api(company.colleague), name="李四商行")
    _create(api(company.outsider), name="王五商行", department="sales2")
    names = lambda client, query="": {row["name"] for row in client.get(URL + query).json()["results"]}  # noqa: E731
    assert names(api(company.owner)) == {"张三商行"}
    assert names(api(company.supervisor)) == {"张三商行", "李四商行"}
    assert names(api(company.custodian)) == {"张三商行", "李四商行", "王五商行"}
    assert names(api(company.custodian), "?q=zs") == {"张三商行"}
    assert names(api(company.custodian), "?q=zhangsan") == {"张三商行"}
    assert names(api(company.custodian), "?q=商行") == {"张三商行", "李四商行", "王五商行"}
    assert names(api(company.custodian), "?q=三商") == {"张三商行"}
    assert names(api(company.custodian), "?q=5678") == {"张三商行", "李四商行", "王五商行"}
    assert names(api(company.custodian), f"?owner={company.colleague.pk}") == {"李四商行"}
    assert api(company.owner).get(f"{URL}?grade=abc").status_code == 400
    assert api(company.colleague).get(f"{URL}{mine['id']}/").status_code == 404


def test_list_pages_with_a_cursor_and_constant_queries(company, api, django_assert_max_num_queries):
    client = api(company.custodian)
    for index in range(7):
        _create(api(company.owner), name=f"客户{index}")
    first = client.get(f"{URL}?page_size=3").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    ids = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert len(ids) == 7 == len(set(ids)) and third["next"] is None

    def queries(size: int) -> int:
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(conn) as captured:
            assert client.get(f"{URL}?page_size={size}").status_code == 200
        return len(captured)

    assert queries(2) == queries(7)


def test_another_company_cannot_reach_the_file(company, api, other_company):
    customer_id = _create(api(company.owner)).json()["id"]
    assert other_company.get(f"{URL}{customer_id}/").status_code == 404
    assert other_company.patch(f"{URL}{customer_id}/", {"name": "x"}, content_type="application/json").status_code == 404
    assert other_company.post(f"{URL}{customer_id}/submit/").status_code == 404
    assert other_company.get(URL).json()["results"] == []
    connection.set_tenant(company.tenant)
    assert Customer.objects.get(pk=customer_id).name == "上海华联超市"
