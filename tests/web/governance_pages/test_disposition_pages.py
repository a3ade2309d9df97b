"""销毁清册 pages: the approval chain step by step (who, role, when, decision, reason), buttons
for whoever holds the current step's role, and the destruction record with its certificate."""
import re

from django.db import connection

from dangan.accounts import roles
from dangan.governance.models import DestructionRecord, DispositionBatch
from dangan.governance.services import disposition
from tests.web.conftest import SCRIPT, text_of

BATCHES = "/disposition/"


def _steps(html: str) -> list[str]:
    """The text of each step of the chain, tags stripped."""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", step)).strip()
            for step in re.findall(r'<li class="chain-step[^"]*"[^>]*>(.*?)</li>', html, re.S)]


def test_keepers_submit_a_list_and_each_step_is_decided_on_the_page(company, web, chain, listed):
    custodian = web(company.custodian)
    listing = text_of(custodian.get(BATCHES))
    assert listed.number in listing and "草稿" in listing
    page = text_of(custodian.get(f"{BATCHES}{listed.pk}/"))
    assert listed.items.get().archive_number in page
    assert "提交审批" in page and [s.split(" · ")[1].split(" ")[0] for s in _steps(page)] == [
        "销售主管审核", "办公室审核", "总经理批准"]
    assert custodian.post(f"{BATCHES}{listed.pk}/submit/").status_code == 302
    listed.refresh_from_db()
    assert listed.stage == "pending"

    # Only the holder of the current step's role is offered the buttons.
    office_page = text_of(web(chain.office).get(f"{BATCHES}{listed.pk}/"))
    assert f"/disposition/{listed.pk}/approve/" not in office_page
    chief = web(chain.chief)
    chief_page = text_of(chief.get(f"{BATCHES}{listed.pk}/"))
    assert f'action="/disposition/{listed.pk}/approve/"' in chief_page and "待审批" in chief_page
    chief.post(f"{BATCHES}{listed.pk}/approve/", {"step": 0, "reason": "同意销毁"})

    page = text_of(web(company.custodian).get(f"{BATCHES}{listed.pk}/"))
    first, second, third = _steps(page)
    assert "同意" in first and "赵主管" in first and roles.SUPERVISOR in first and "同意销毁" in first
    assert re.search(r"\d", first.split("赵主管")[1])  # when
    assert "待审批" in second and "等待前一级审批" in third

    refused = web(chain.office).post(f"{BATCHES}{listed.pk}/reject/", {"step": 1, "reason": ""}, follow=True)
    assert "请填写原因" in text_of(refused)
    web(chain.office).post(f"{BATCHES}{listed.pk}/reject/", {"step": 1, "reason": f"清单有误{SCRIPT}"})
    listed.refresh_from_db()
    assert listed.stage == "draft" and listed.returned_reason.startswith("清单有误")
    page = text_of(web(company.custodian).get(f"{BATCHES}{listed.pk}/"))
    assert "退回原因" in page and "办公室甲" in page and SCRIPT not in page and "&lt;script&gt;" in page


def test_a_decision_by_the_wrong_role_is_refused_with_the_reason(company, web, chain, listed, person):
    disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    manager = web(chain.manager)
    response = manager.post(f"{BATCHES}{listed.pk}/approve/", {"step": 0}, follow=True)
    assert "此级审批须由“主管”进行" in text_of(response)
    listed.refresh_from_db()
    assert listed.current_step == 0 and not listed.approvals.exists()


def test_the_full_chain_destroys_and_the_certificate_downloads(company, web, chain, listed, eager_tasks,
                                                              django_capture_on_commit_callbacks):
    number = listed.items.get().archive_number
    disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    web(chain.chief).post(f"{BATCHES}{listed.pk}/approve/", {"step": 0})
    web(chain.office).post(f"{BATCHES}{listed.pk}/approve/", {"step": 1})
    with django_capture_on_commit_callbacks(execute=True):
        web(chain.manager).post(f"{BATCHES}{listed.pk}/approve/", {"step": 2, "reason": "批准"})
    assert DispositionBatch.objects.get(pk=listed.pk).stage == "destroyed"
    record = DestructionRecord.objects.get()

    custodian = web(company.custodian)
    records = text_of(custodian.get("/destruction-records/"))
    assert number in records and "总经理甲" in records
    certificate = custodian.get(f"/destruction-records/{record.pk}/certificate.pdf")
    assert certificate.status_code == 200 and certificate["Content-Type"] == "application/pdf"
    assert certificate.content.startswith(b"%PDF") and "attachment" in certificate["Content-Disposition"]
    page = text_of(custodian.get(f"{BATCHES}{listed.pk}/"))
    assert "已销毁" in page and "总经理甲" in page and "批准" in page


def test_the_sweep_button_lists_expired_files(company, web, expired_file):
    expired_file(name="又一家到期药店")
    response = web(company.custodian).post(f"{BATCHES}sweep/", follow=True)
    assert "已将 1 份到期档案列入销毁清册" in text_of(response)
    assert DispositionBatch.objects.get().items.count() == 1


def test_a_keeper_excludes_a_file_with_a_reason(company, web, listed):
    item = listed.items.get()
    custodian = web(company.custodian)
    assert "请填写原因" in text_of(custodian.post(f"{BATCHES}items/{item.pk}/exclude/", {"reason": ""}, follow=True))
    custodian.post(f"{BATCHES}items/{item.pk}/exclude/", {"reason": "仍有业务往来"})
    item.refresh_from_db()
    assert item.outcome == "excluded" and item.note == "仍有业务往来"


def test_salespeople_get_403_and_change_nothing(company, web, listed):
    owner = web(company.owner)
    for url in (BATCHES, f"{BATCHES}{listed.pk}/", "/destruction-records/"):
        assert owner.get(url).status_code == 403, url
    assert owner.post(f"{BATCHES}{listed.pk}/submit/").status_code == 403
    assert owner.post(f"{BATCHES}sweep/").status_code == 403
    listed.refresh_from_db()
    assert listed.stage == "draft"
    assert "/disposition/" not in text_of(owner.get("/"))  # no menu entry either


def test_the_menu_leads_readers_to_the_lists(company, web):
    assert 'href="/disposition/"' in text_of(web(company.custodian).get("/"))


def test_another_companys_administrator_reaches_nothing(company, stranger, listed):
    for url in (BATCHES, f"{BATCHES}{listed.pk}/", "/destruction-records/", "/legal-holds/", "/access-log/",
                "/audit-chain/", "/settings/retention/"):
        response = stranger.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    stranger.post(f"{BATCHES}{listed.pk}/submit/")
    connection.set_tenant(company.tenant)
    listed.refresh_from_db()
    assert listed.stage == "draft"
