"""The borrowing register over REST: the whole life of a loan through the API, the services'
refusals as stable codes, loans and files resolving only among what the caller may see, the
rules for administrators, and another company reaching none of it."""
from dangan.accounts import roles
from dangan.governance.models import Loan
from tests.governance.registers import archive, days_from_today, loan_at  # noqa: F401 (fixtures)

LOANS = "/api/v1/governance/loans/"


def _post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_a_loan_through_the_api_from_request_to_return(api, company, archive):
    owner = api(company.owner)
    response = _post(owner, LOANS, {"customer": archive.customer.pk, "document": archive.contract.pk,
                                    "medium": "paper", "purpose": "核对合同原件",
                                    "due_date": days_from_today(5).isoformat()})
    assert response.status_code == 201, response.json()
    loan = response.json()
    assert loan["state"] == "requested" and loan["document_title"] == "购销合同原件"
    assert loan["borrower"]["full_name"] == "张三" and loan["number"].startswith("JY-")

    url = f"{LOANS}{loan['id']}/"
    assert _post(owner, f"{url}lend/").json()["error"]["code"] == "loan_custodian_required"
    refused = _post(api(company.custodian), f"{url}lend/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "loan_state_invalid"
    assert set(refused.json()["error"]["message"]) == {"zh-hans", "en"}
    mine = _post(owner, f"{url}approve/")
    assert mine.status_code == 403 and mine.json()["error"]["code"] == "loan_self_approval_forbidden"
    approved = _post(api(company.supervisor), f"{url}approve/", {"reason": "同意"}).json()
    assert approved["state"] == "approved" and approved["approver_snapshot"]["role"] == roles.SUPERVISOR

    lent = _post(api(company.custodian), f"{url}lend/").json()
    assert lent["state"] == "lent" and lent["location"]["code"] == "R1-C1-S1-B1"
    assert [row["id"] for row in owner.get(f"{LOANS}?open=true").json()["results"]] == [loan["id"]]
    # The document's paper location shows it is out, and to whom.
    document = api(company.custodian).get(f"/api/v1/documents/{archive.contract.pk}/").json()
    assert document["physical_location"]["code"] == "R1-C1-S1-B1"
    assert document["paper_loan"] == {"loan": loan["id"], "number": loan["number"], "borrower": "张三",
                                      "due_date": days_from_today(5).isoformat(), "state": "lent"}
    returned = _post(api(company.custodian), f"{url}return/", {"note": "完好无损"}).json()
    assert returned["state"] == "returned" and returned["return_note"] == "完好无损"
    again = _post(api(company.custodian), f"{url}return/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "loan_state_invalid"
    assert api(company.custodian).get(f"/api/v1/documents/{archive.contract.pk}/").json()["paper_loan"] is None
    assert owner.get(url).json()["reminders"] == []


def test_requests_are_validated_and_files_out_of_reach_do_not_exist(api, company, archive):
    body = {"customer": archive.customer.pk, "medium": "paper", "purpose": "核对",
            "due_date": days_from_today(3).isoformat()}
    too_long = _post(api(company.owner), LOANS, {**body, "due_date": days_from_today(60).isoformat()})
    assert too_long.status_code == 400 and "due_date" in too_long.json()["error"]["fields"]
    assert _post(api(company.owner), LOANS, {**body, "medium": "fax"}).status_code == 400
    assert _post(api(company.outsider), LOANS, body).status_code == 404
    assert _post(api(company.colleague), LOANS, {**body, "medium": "electronic"}).status_code == 404
    assert _post(api(company.colleague), LOANS, body).status_code == 201  # a colleague's paper: allowed
    assert _post(api(company.owner), LOANS, {**body, "document": 999_999}).status_code == 404
    assert Loan.objects.count() == 1


def test_loans_are_listed_for_the_people_they_concern(api, company, archive, loan_at):
    loan = loan_at()
    assert [r["id"] for r in api(company.owner).get(LOANS).json()["results"]] == [loan.pk]
    assert [r["id"] for r in api(company.supervisor).get(f"{LOANS}?to_decide=true").json()["results"]] == [loan.pk]
    assert api(company.outsider).get(LOANS).json()["results"] == []
    assert api(company.outsider).get(f"{LOANS}{loan.pk}/").status_code == 404
    assert _post(api(company.outsider), f"{LOANS}{loan.pk}/approve/").status_code == 404
    assert api(company.owner).get(f"{LOANS}?state=nonsense").status_code == 400
    rejected = _post(api(company.supervisor), f"{LOANS}{loan.pk}/reject/", {"reason": ""})
    assert rejected.status_code == 400 and rejected.json()["error"]["code"] == "reason_required"
    cancelled = _post(api(company.owner), f"{LOANS}{loan.pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


def test_the_borrowing_rules_are_for_administrators(api, company):
    url = "/api/v1/governance/borrowing/policy/"
    assert api(company.owner).get(url).json() == {
        "approver_roles": [roles.SUPERVISOR, roles.DEPARTMENT_MANAGER, roles.DEPUTY_MANAGER, roles.GENERAL_MANAGER],
        "max_days": 30}
    body = {"approver_roles": [roles.CUSTODIAN], "max_days": 14}
    refused = api(company.custodian).put(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert api(company.admin).put(url, body, content_type="application/json").json() == body
    unknown = api(company.admin).put(url, {"approver_roles": ["无此角色"], "max_days": 14},
                                     content_type="application/json")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "role_unknown"


def test_another_company_reaches_none_of_it(api, company, archive, loan_at, foreign):
    loan = loan_at("approved")
    _, own, stranger = foreign(company.tenant, roles.CUSTODIAN, roles.GENERAL_MANAGER)
    # Logged in at its own company: our loans and files do not exist there.
    assert own.get(LOANS).json()["results"] == []
    assert own.get(f"{LOANS}{loan.pk}/").status_code == 404
    assert _post(own, f"{LOANS}{loan.pk}/lend/").status_code == 404
    assert _post(own, LOANS, {"customer": archive.customer.pk, "medium": "paper", "purpose": "x",
                              "due_date": days_from_today(3).isoformat()}).status_code == 404
    # Its session presented on our host: refused outright.
    assert stranger.get(LOANS).status_code == 403
    assert stranger.get(f"{LOANS}{loan.pk}/").status_code == 403
    assert _post(stranger, f"{LOANS}{loan.pk}/lend/").status_code == 403
    loan.refresh_from_db()
    assert loan.state == "approved"
