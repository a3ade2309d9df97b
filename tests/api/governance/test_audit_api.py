"""The audit chain over REST: auditors only, their own company only."""
from dangan.accounts import roles
from dangan.governance.services.audit import audit_record

from ...governance.tamper import protection_off, sql


def test_auditors_list_the_chain_newest_first(api, company, auditor, new_customer):
    customer = new_customer()
    response = api(auditor).get("/api/v1/governance/audit/events/", {"object_type": "archives.customer"})
    assert response.status_code == 200
    (event,) = response.json()["results"]
    assert event["action"] == "customer.create" and event["object"] == {"type": "archives.customer",
                                                                         "id": str(customer.pk)}
    assert event["actor"]["email"] == company.owner.email and len(event["hash"]) == 64


def test_auditors_verify_the_chain_and_see_tampering(api, company, auditor):
    for index in range(3):
        audit_record(actor=company.owner, action="test.event", summary={"n": index})
    client = api(auditor)
    report = client.get("/api/v1/governance/audit/verify/").json()
    assert report["ok"] is True and report["events"] == 3 and report["head"]["seq"] == 3
    protection_off()
    sql("UPDATE governance_auditevent SET summary = '{}' WHERE seq = 2")
    report = client.get("/api/v1/governance/audit/verify/").json()
    assert report["ok"] is False and report["problems"][0]["code"] == "hash_mismatch"


def test_nobody_but_an_auditor_reads_the_chain(api, company):
    for user in (company.admin, company.owner, company.supervisor, company.custodian):
        for path in ("/api/v1/governance/audit/events/", "/api/v1/governance/audit/verify/"):
            response = api(user).get(path)
            assert response.status_code == 403 and response.json()["error"]["code"] == "auditor_only"


def test_another_companys_auditor_sees_only_their_own_chain(company, auditor, new_customer, foreign):
    new_customer()
    _, own, stranger = foreign(company.tenant, roles.AUDITOR)
    response = own.get("/api/v1/governance/audit/events/")
    assert response.status_code == 200 and response.json()["results"] == []  # their chain, not ours
    assert own.get("/api/v1/governance/audit/verify/").json()["events"] == 0
    for path in ("/api/v1/governance/audit/events/", "/api/v1/governance/audit/verify/"):
        response = stranger.get(path)  # their session means nothing on our host
        assert response.status_code == 403 and response.json()["error"]["code"] == "not_authenticated"
