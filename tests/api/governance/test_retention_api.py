"""Retention, legal holds, destruction lists and records over REST: the rules of the services
hold through the API; each endpoint refuses an unauthorized role and another company."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from dangan.accounts import roles
from dangan.archives.models import Customer
from dangan.archives.services import lifecycle
from dangan.governance.models import DestructionRecord, DispositionBatch
from dangan.governance.services.retention import retention_recompute


@pytest.fixture
def people(company):
    from types import SimpleNamespace

    from dangan.accounts.models import User

    def user(email, name, role):
        person = User.objects.create_user(email=email, password="pw-Governance-2026", full_name=name)
        person.groups.set(Group.objects.filter(name=role))
        return person

    return SimpleNamespace(office=user("office@x.cn", "办公室甲", roles.OFFICE),
                           manager=user("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER),
                           auditor=user("au@x.cn", "审计甲", roles.AUDITOR))


@pytest.fixture
def expired(company, new_customer):
    customer = new_customer()
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    Customer.objects.filter(pk=customer.pk).update(filed_at=timezone.now() - dt.timedelta(days=366 * 6))
    retention_recompute(customer=customer)
    return Customer.objects.get(pk=customer.pk)


def test_the_whole_disposition_over_the_api(api, company, people, expired, eager_tasks,
                                            django_capture_on_commit_callbacks):
    keeper = api(company.custodian)
    assert api(company.owner).post("/api/v1/governance/disposition/sweep/").json()["error"]["code"] == "not_custodian"
    assert keeper.post("/api/v1/governance/disposition/sweep/").json()["added"] == 1
    batch = DispositionBatch.objects.get()
    detail = keeper.get(f"/api/v1/governance/disposition/batches/{batch.pk}/").json()
    assert [item["archive_number"] for item in detail["items"]] == [expired.archive_number]
    assert keeper.post(f"/api/v1/governance/disposition/batches/{batch.pk}/submit/").json()["stage"] == "pending"
    url = f"/api/v1/governance/disposition/batches/{batch.pk}/approve/"
    response = api(people.office).post(url, {"step": 0}, content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "disposition_role_required"
    assert api(company.supervisor).post(url, {"step": 0}, content_type="application/json").status_code == 200
    replay = api(company.supervisor).post(url, {"step": 0}, content_type="application/json")
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "disposition_step_decided"
    assert api(people.office).post(url, {"step": 1}, content_type="application/json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        final = api(people.manager).post(url, {"step": 2, "reason": "同意"}, content_type="application/json")
    assert final.status_code == 200
    records = api(people.auditor).get("/api/v1/governance/destruction-records/").json()["results"]
    assert [r["archive_number"] for r in records] == [expired.archive_number]
    pdf = api(people.auditor).get(f"/api/v1/governance/destruction-records/{records[0]['id']}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert DestructionRecord.objects.count() == 1 and not Customer.objects.filter(pk=expired.pk).exists()


def test_legal_holds_and_retention_over_the_api(api, company, people, expired):
    url = f"/api/v1/governance/customers/{expired.pk}/legal-holds/"
    response = api(company.owner).post(url, {"reason": "诉讼"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "legal_hold_not_allowed"
    hold = api(people.manager).post(url, {"reason": "诉讼"}, content_type="application/json")
    assert hold.status_code == 201
    retention = api(company.owner).get(f"/api/v1/governance/customers/{expired.pk}/retention/").json()
    assert retention["retain_until"] == expired.retain_until.isoformat()
    assert retention["retention_basis"]["component"] == "fixed" and retention["legal_holds"][0]["active"]
    assert api(company.outsider).get(f"/api/v1/governance/customers/{expired.pk}/retention/").status_code == 404
    release = f"/api/v1/governance/legal-holds/{hold.json()['id']}/release/"
    assert api(people.auditor).post(release, {"reason": "结束"}, content_type="application/json").status_code == 403
    assert api(people.manager).post(release, {"reason": "结束"}, content_type="application/json").status_code == 200


def test_rules_and_chain_are_for_administrators(api, company):
    body = {"category": "jxs", "fixed_years": 3, "shelf_life": True}
    assert api(company.custodian).post("/api/v1/governance/retention-rules/", body,
                                       content_type="application/json").status_code == 403
    response = api(company.admin).post("/api/v1/governance/retention-rules/", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["category"] == "jxs"
    assert api(company.admin).post("/api/v1/governance/retention-rules/", {"category": "nope", "fixed_years": 1},
                                   content_type="application/json").status_code == 404
    chain = {"steps": [{"role": roles.OFFICE, "label": "办公室"}, {"role": roles.GENERAL_MANAGER}]}
    assert api(company.custodian).put("/api/v1/governance/disposition/chain/", chain,
                                      content_type="application/json").status_code == 403
    assert api(company.admin).put("/api/v1/governance/disposition/chain/", chain,
                                  content_type="application/json").status_code == 200
    assert [s["role"] for s in api(company.custodian).get("/api/v1/governance/disposition/chain/").json()] == \
        [roles.OFFICE, roles.GENERAL_MANAGER]


@pytest.mark.parametrize("path", ["/api/v1/governance/disposition/batches/", "/api/v1/governance/destruction-records/",
                                  "/api/v1/governance/disposition/chain/"])
def test_salespeople_do_not_read_destruction_lists(api, company, path):
    response = api(company.owner).get(path)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_another_company_reaches_none_of_it(api, company, expired, foreign):
    api(company.custodian).post("/api/v1/governance/disposition/sweep/")
    batch = DispositionBatch.objects.get()
    _, own, stranger = foreign(company.tenant, roles.CUSTODIAN, roles.GENERAL_MANAGER)
    assert own.get("/api/v1/governance/disposition/batches/").json()["results"] == []
    assert own.get(f"/api/v1/governance/disposition/batches/{batch.pk}/").status_code == 404
    assert own.get(f"/api/v1/governance/customers/{expired.pk}/retention/").status_code == 404
    assert own.post(f"/api/v1/governance/customers/{expired.pk}/legal-holds/", {"reason": "x"},
                    content_type="application/json").status_code == 404
    for path in ("/api/v1/governance/disposition/batches/", f"/api/v1/governance/customers/{expired.pk}/retention/",
                 "/api/v1/governance/retention-rules/", "/api/v1/governance/destruction-records/"):
        assert stranger.get(path).status_code == 403
    assert stranger.post(f"/api/v1/governance/disposition/batches/{batch.pk}/submit/").status_code == 403
