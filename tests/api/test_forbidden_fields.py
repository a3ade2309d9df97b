"""Fields clients never set (R6): company, confidentiality level and clearance, life-cycle state,
retention dates and rules, legal holds, archive numbers, who created or filed something — and a
file's owner outside the departments the actor manages. Every write operation of the live
OpenAPI schema refuses them with `field_not_writable`, and nothing changes."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import resolve

from dangan.archives.models import Customer, SalesLedgerEntry
from dangan.governance.models import AuditEvent
from dangan.governance.writable import PROTECTED_FIELDS
from tests.api.archives.conftest import api, other_company  # noqa: F401

WRITE_METHODS = ("post", "put", "patch")
# A value of each protected field's type that a careless client might send.
VALUES = {"state": "filed", "retain_until": "2099-12-31", "archive_number": "JXS-2026-99999", "legal_hold": True,
          "confidentiality_level": "public", "clearance": "top", "tenant": "other", "schema_name": "other"}


def _value(name: str):
    return VALUES.get(name, "x")


@pytest.fixture
def world(company, new_customer):
    from dangan.tenants.models import Plan

    # ~100 requests in one test: the plan's daily API quota must not be what answers.
    connection.set_schema_to_public()
    Plan.objects.filter(pk=company.tenant.plan_id).update(max_api_calls_per_day=10**9)
    connection.set_tenant(company.tenant)
    customer = new_customer()
    SalesLedgerEntry.objects.create(customer=customer, sale_date="2026-03-02", product_name="阿莫西林胶囊",
                                    created_by=company.owner)
    return customer


def _snapshot(customer):
    row = Customer.objects.filter(pk=customer.pk).values(
        "state", "archive_number", "retain_until", "retention_rule_id", "owner_id", "version", "updated_at").get()
    return row, Customer.objects.count(), AuditEvent.objects.count(), SalesLedgerEntry.objects.count()


def _write_operations(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in WRITE_METHODS:
                yield path, method, operation


def _url(path: str, customer) -> str:
    # Refusal comes before the view looks anything up, so any id that routes will do.
    return re.sub(r"\{[^}]+\}", str(customer.pk), path)


def _send(client, method: str, url: str, operation: dict, body: dict):
    content = (operation.get("requestBody") or {}).get("content") or {"application/json": {}}
    if "application/json" not in content and "multipart/form-data" in content and method == "post":
        return client.post(url, {key: str(value) for key, value in body.items()})  # a form, as a browser sends it
    return getattr(client, method)(url, body, content_type="application/json")


def test_every_write_operation_refuses_every_protected_field_and_changes_nothing(company, api, world):
    client = api(company.admin)
    operations = list(_write_operations(client))
    assert len(operations) > 40  # the whole API, not a shrunken schema
    before = _snapshot(world)
    for path, method, operation in operations:
        url = _url(path, world)
        view = resolve(url).func.view_class
        expected = sorted(PROTECTED_FIELDS - set(getattr(view, "protected_fields_allowed", ())))
        response = _send(client, method, url, operation, {name: _value(name) for name in expected})
        where = f"{method.upper()} {path} ({operation['operationId']})"
        assert response.status_code == 400, f"{where}: {response.status_code} {response.content[:300]!r}"
        error = response.json()["error"]
        assert error["code"] == "field_not_writable", where
        assert sorted(error["fields"]) == expected, where  # each one named, none missed
        assert error["message"]["zh-hans"] and error["message"]["en"]
    assert _snapshot(world) == before


def test_no_request_schema_offers_a_protected_field(company, api, world):
    """The schema agrees: no input of any operation names a protected field (unless its view
    explicitly owns it), so a client generated from the schema never sends one."""
    schema = api(company.admin).get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    offered = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in WRITE_METHODS:
                continue
            view = resolve(_url(path, world)).func.view_class
            allowed = set(getattr(view, "protected_fields_allowed", ()))
            for media in ((operation.get("requestBody") or {}).get("content") or {}).values():
                ref = (media.get("schema") or {}).get("$ref", "")
                properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}) if ref else {}
                offered += [f"{operation['operationId']}.{name}" for name in properties
                            if name in PROTECTED_FIELDS and name not in allowed]
    assert offered == []


@pytest.mark.parametrize("field,value", [("state", "filed"), ("retain_until", "2099-12-31"),
                                         ("archive_number", "JXS-2026-99999"), ("tenant", "other"),
                                         ("confidentiality_level", "secret"), ("legal_hold", True),
                                         ("created_by", 1), ("filed_by", 1)])
def test_creating_or_changing_a_customer_with_one_protected_field_is_refused(company, api, world, field, value):
    client = api(company.owner)
    count, before = Customer.objects.count(), _snapshot(world)
    created = client.post("/api/v1/customers/", {"name": "新客户", "category": "jxs", field: value},
                          content_type="application/json")
    assert created.status_code == 400 and created.json()["error"]["code"] == "field_not_writable"
    assert list(created.json()["error"]["fields"]) == [field]
    changed = client.patch(f"/api/v1/customers/{world.pk}/", {"name": "改名", field: value},
                           content_type="application/json")
    assert changed.status_code == 400 and changed.json()["error"]["code"] == "field_not_writable"
    assert Customer.objects.count() == count and _snapshot(world) == before


def test_a_file_is_given_only_to_people_of_departments_one_manages(company, api, world):
    # the supervisor manages sales1: a colleague there may be made the owner
    made = api(company.supervisor).post("/api/v1/customers/", {"name": "新客户", "category": "jxs", "region": "east",
                                                               "owner": company.colleague.pk},
                                        content_type="application/json")
    assert made.status_code == 201 and made.json()["owner"]["id"] == company.colleague.pk
    # … but not to someone of sales2, whoever asks
    count = Customer.objects.count()
    for actor, owner in ((company.supervisor, company.outsider), (company.owner, company.outsider)):
        refused = api(actor).post("/api/v1/customers/", {"name": "新客户", "category": "jxs", "region": "east",
                                                                   "owner": owner.pk},
                                  content_type="application/json")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "owner_not_assignable"
    assert Customer.objects.count() == count
    # a custodian assigns anyone; nobody changes the owner by an edit
    assert api(company.custodian).post("/api/v1/customers/", {"name": "新客户", "category": "jxs", "region": "east",
                                                              "owner": company.outsider.pk},
                                       content_type="application/json").status_code == 201
    edit = api(company.owner).patch(f"/api/v1/customers/{world.pk}/", {"owner": company.colleague.pk},
                                    content_type="application/json")
    assert edit.status_code == 400 and edit.json()["error"]["code"] == "field_not_writable"


def test_the_owner_rule_behind_every_write_path(company, world):
    """customer_create and the import's bulk path (archives/importing/customer_rows.py) ask the same rule."""
    from dangan.archives.services.customers import owner_assignable

    assert owner_assignable(company.supervisor, company.colleague)
    assert owner_assignable(company.owner, company.colleague)
    assert not owner_assignable(company.supervisor, company.outsider)
    assert not owner_assignable(company.owner, company.outsider)
    assert owner_assignable(company.custodian, company.outsider) and owner_assignable(company.admin, company.outsider)


def test_an_import_may_not_give_files_to_another_department(company, eager_tasks,
                                                             django_capture_on_commit_callbacks):
    from tests.archives.test_imports import Importer, errors_of, xlsx_upload

    importer = Importer(company, django_capture_on_commit_callbacks)
    job = importer.run(xlsx_upload([["甲药店", "jxs", "li@x.cn"], ["乙药店", "jxs", "wang@x.cn"]],
                                   headers=["客户名称", "档案类别", "业务员"]))
    assert Customer.objects.filter(name="甲药店", owner=company.colleague).exists()
    assert not Customer.objects.filter(name="乙药店").exists()
    assert errors_of(job) == [(3, "业务员", "wang@x.cn", "owner_not_assignable")]


def test_an_import_mapping_may_not_target_a_protected_field(company, api, eager_tasks,
                                                            django_capture_on_commit_callbacks):
    from tests.archives.test_imports import Importer, xlsx_upload

    job = Importer(company, django_capture_on_commit_callbacks).upload(
        xlsx_upload([["甲药店", "jxs", "filed"]], headers=["客户名称", "档案类别", "状态"]))
    state = job.state
    response = api(company.owner).post(f"/api/v1/imports/{job.pk}/validate/", {"mapping": {
        "客户名称": "name", "档案类别": "category", "状态": "state"}}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "field_not_writable"
    assert list(response.json()["error"]["fields"]) == ["mapping.状态"]
    job.refresh_from_db()
    assert job.state == state and not Customer.objects.filter(name="甲药店").exists()


def test_web_forms_refuse_protected_fields(company, tenant_client, world):
    client = tenant_client(company.tenant)
    client.force_login(company.owner)
    before = _snapshot(world)
    response = client.post(f"/customers/{world.pk}/edit/", {"name": "改名", "kind": "enterprise", "state": "filed",
                                                             "retain_until": "2099-12-31"}, follow=True)
    page = response.content.decode()
    assert "state" in page and "retain_until" in page and "由系统维护" in page
    assert _snapshot(world) == before
    count = Customer.objects.count()
    client.post(f"/customers/new/?category={world.category_id}", {"category": world.category_id, "name": "新客户",
                                                                  "kind": "enterprise", "archive_number": "X-1"})
    assert Customer.objects.count() == count


def test_another_company_cannot_write_either(company, world, other_company):
    before = _snapshot(world)
    response = other_company.patch(f"/api/v1/customers/{world.pk}/", {"state": "filed"},
                                   content_type="application/json")
    assert response.status_code in (400, 404)
    assert other_company.patch(f"/api/v1/customers/{world.pk}/", {"name": "x"},
                               content_type="application/json").status_code == 404
    connection.set_tenant(company.tenant)
    assert _snapshot(world) == before
