"""For auditors: the query log (查询记录) with filters and Excel export, and the audit chain with
its verify button. Administrators run the system and do not audit it: they get a 403 too."""
import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from dangan.governance.models import AccessRecord
from dangan.governance.services.access import access_record
from tests.governance import tamper
from tests.web.conftest import SCRIPT, text_of

LOG = "/access-log/"
AUDIT = "/audit-chain/"


def _log(company, new_customer):
    first = new_customer(name="甲药店")
    second = new_customer(name="乙药店")
    access_record(actor=company.owner, action="view", obj=first, customer_ids=[first.pk])
    access_record(actor=company.colleague, action="export", customer_ids=[first.pk, second.pk],
                  query={"q": SCRIPT}, result_count=2)
    access_record(actor=company.supervisor, action="reveal", obj=second, customer_ids=[second.pk],
                  reason="核对发票抬头")
    return first, second


def test_the_auditor_reads_and_filters_the_query_log(company, web, auditor, new_customer):
    first, second = _log(company, new_customer)
    client = web(auditor)
    html = text_of(client.get(LOG))
    assert all(name in html for name in ("张三", "李四", "赵主管", "查看档案", "导出", "核对发票抬头"))
    assert SCRIPT not in html and "&lt;script&gt;" in html
    by_user = client.get(LOG, {"user": company.colleague.pk})
    assert [r.user_id for r in by_user.context["records"]] == [company.colleague.pk]
    by_action = client.get(LOG, {"action": "reveal"})
    assert [r.reason for r in by_action.context["records"]] == ["核对发票抬头"]
    by_file = client.get(LOG, {"customer": first.archive_number})
    assert {r.user_id for r in by_file.context["records"]} == {company.owner.pk, company.colleague.pk}
    assert list(client.get(LOG, {"customer": "NO-SUCH-FILE"}).context["records"]) == []
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert list(client.get(LOG, {"since": tomorrow}).context["records"]) == []
    assert len(client.get(LOG, {"until": timezone.localdate().isoformat()}).context["records"]) == 3


def test_the_query_log_names_files_by_archive_number_and_reads_its_conditions(company, web, auditor, new_customer):
    files = [new_customer(name=f"药店{n}") for n in range(7)]
    access_record(actor=company.owner, action="export", customer_ids=[f.pk for f in files] + [999999],
                  query={"traceability": {"batch": "B2026-01"}, "grade": ["A", "B"], "q": ""}, result_count=8)
    html = text_of(web(auditor).get(LOG))
    for shown in files[:5]:
        assert shown.archive_number in html
    assert files[5].archive_number not in html and "等另 3 份" in html  # the sixth, seventh and a gone one
    assert "grade：A、B；traceability.batch：B2026-01" in html  # stored with its keys in order
    assert "{&#x27;" not in html and "{'" not in html  # no Python dict


def test_the_query_log_pages_by_next_links(company, web, auditor, new_customer, monkeypatch):
    from dangan.web.governance_pages.views import audit

    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    _log(company, new_customer)
    client = web(auditor)
    first = client.get(LOG, {"action": ""})
    assert len(first.context["records"]) == 2 and first.context["next_query"]
    second = client.get(f"{LOG}?{first.context['next_query']}")
    assert len(second.context["records"]) == 1 and second.context["next_query"] is None
    seen = {r.pk for r in first.context["records"]} | {r.pk for r in second.context["records"]}
    assert len(seen) == 3


def test_the_export_is_an_excel_file_of_the_filtered_log_and_is_itself_logged(company, web, auditor, new_customer):
    _log(company, new_customer)
    response = web(auditor).get(f"{LOG}export.xlsx", {"user": company.colleague.pk})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "查询人", "邮箱") and len(rows) == 2 and rows[1][1] == "李四"
    assert rows[1][7] == '{"q": "<script>alert(1)</script>"}'  # kept as text, never markup or formula
    logged = AccessRecord.objects.get(action="access_log_export")
    assert logged.user_id == auditor.pk and logged.result_count == 1


def test_the_auditor_verifies_the_chain_and_sees_tampering(company, web, auditor, new_customer):
    new_customer()
    client = web(auditor)
    page = text_of(client.get(AUDIT))
    assert "校验审计链" in page and "customer.create" in page
    assert "客户档案 · 新建" in page  # the code, and what it means
    assert "校验通过" in text_of(client.post(f"{AUDIT}verify/"))
    tamper.protection_off()
    tamper.sql(f"UPDATE {tamper.TABLE} SET action = 'customer.nothing' "
               f"WHERE seq = (SELECT max(seq) FROM {tamper.TABLE})")
    tamper.protection_on()
    report = client.post(f"{AUDIT}verify/")
    assert not report.context["report"]["ok"]
    assert "校验未通过" in text_of(report) and "hash_mismatch" in text_of(report)


def test_others_get_403_including_administrators(company, web, new_customer):
    _log(company, new_customer)
    for user in (company.admin, company.owner, company.custodian):
        client = web(user)
        for url in (LOG, f"{LOG}export.xlsx", AUDIT):
            assert client.get(url).status_code == 403, (user.email, url)
        assert client.post(f"{AUDIT}verify/").status_code == 403
    assert not AccessRecord.objects.filter(action="access_log_export").exists()
    assert 'href="/access-log/"' not in text_of(web(company.admin).get("/"))


def test_the_menu_leads_auditors_to_their_pages(company, web, auditor):
    html = text_of(web(auditor).get(LOG))
    assert 'href="/access-log/"' in html and 'href="/audit-chain/"' in html and 'href="/legal-holds/"' in html


def test_the_audit_page_names_actions_in_english_too(company, web, auditor, new_customer):
    new_customer()
    client = web(auditor)
    client.cookies["django_language"] = "en"
    page = text_of(client.get(AUDIT, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Customer file · created" in page and "customer.create" in page
