"""The dashboard: my tasks by role, overdue files, unread notifications, chart data scoped to
what the person may see."""
import json
import re

from django.utils import timezone

from dangan.archives.models import Customer, Notification
from dangan.archives.services import lifecycle
from dangan.archives.services.customers import customer_update
from tests.web.conftest import text_of


def chart_json(response) -> dict:
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', text_of(response), re.S)
    assert match, "the dashboard carries its chart data as a JSON block"
    return json.loads(match.group(1))


def test_owner_sees_drafts_to_submit_and_overdue_drafts(company, web, new_customer):
    draft = new_customer(name="杭州康宁药房")
    late = new_customer(name="宁波逾期药店")
    Customer.objects.filter(pk=late.pk).update(creation_due_on=timezone.localdate() - timezone.timedelta(days=3))
    page = text_of(web(company.owner).get("/"))
    assert draft.name in page and draft.archive_number in page
    assert "逾期未提交的档案" in page and late.name in page


def test_supervisor_sees_files_to_review_and_change_requests(company, web, new_customer):
    submitted = new_customer(name="待审核药店")
    lifecycle.customer_submit(actor=company.owner, customer=submitted)
    filed = new_customer(name="已归档药店")
    lifecycle.customer_submit(actor=company.owner, customer=filed)
    lifecycle.customer_approve(actor=company.supervisor, customer=filed)
    lifecycle.customer_file(actor=company.custodian, customer=filed)
    customer_update(actor=company.owner, customer=filed, data={"name": "已归档药店（新名）"}, reason="更名")
    page = text_of(web(company.supervisor).get("/"))
    assert "待审核药店" in page
    assert "待我审批的变更申请" in page and "已归档药店" in page
    # not the other supervisor's: they supervise another department
    other = text_of(web(company.other_supervisor).get("/"))
    assert "待审核药店" not in other


def test_custodian_sees_approved_files_waiting_for_filing(company, web, new_customer):
    customer = new_customer(name="待归档医院")
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    assert "待归档医院" in text_of(web(company.custodian).get("/"))
    assert "待归档医院" not in text_of(web(company.supervisor).get("/"))


def test_overdue_files_and_unread_notifications_are_listed(company, web, new_customer):
    customer = new_customer(name="逾期更新客户")
    lifecycle.customer_submit(actor=company.owner, customer=customer)
    lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    lifecycle.customer_file(actor=company.custodian, customer=customer)
    Customer.objects.filter(pk=customer.pk).update(next_review_on=timezone.localdate() - timezone.timedelta(days=1))
    lifecycle.review_sweep()
    page = text_of(web(company.owner).get("/"))
    assert "更新逾期的档案" in page and "逾期更新客户" in page
    assert Notification.objects.filter(recipient=company.owner, read_at__isnull=True).exists()
    assert "已超过更新期限" in page


def test_marking_a_notification_read(company, web, new_customer):
    customer = new_customer()
    note = Notification.objects.create(recipient=company.owner, kind="x", message="请更新档案", customer=customer)
    client = web(company.owner)
    response = client.post(f"/notifications/{note.pk}/read/")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert "请更新档案" not in text_of(client.get("/"))


def test_marking_every_notification_read_at_once(company, web, new_customer):
    for message in ("请更新档案甲", "请更新档案乙"):
        Notification.objects.create(recipient=company.owner, kind="x", message=message)
    colleagues = Notification.objects.create(recipient=company.colleague, kind="x", message="李四的通知")
    client = web(company.owner)
    assert "全部标记已读" in text_of(client.get("/"))
    assert client.post("/notifications/read-all/").status_code == 302
    page = text_of(client.get("/"))
    assert "请更新档案甲" not in page and "请更新档案乙" not in page and "没有未读通知" in page
    colleagues.refresh_from_db()
    assert colleagues.read_at is None
    assert client.get("/notifications/read-all/").status_code == 405


def test_someone_elses_notification_is_not_found(company, web):
    note = Notification.objects.create(recipient=company.colleague, kind="x", message="李四的通知")
    assert web(company.owner).post(f"/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_chart_data_counts_only_what_the_person_may_see(company, web, new_customer):
    new_customer(name="甲", grade="A", region="east")
    new_customer(name="乙", grade="B", region="north")
    new_customer(name="丙", grade="A", region="east", actor=company.colleague)
    mine = chart_json(web(company.owner).get("/"))
    assert dict(zip(mine["grade"]["labels"], mine["grade"]["values"])) == {"A 级": 1, "B 级": 1}
    assert dict(zip(mine["category"]["labels"], mine["category"]["values"])) == {"经销商": 2}
    assert sum(mine["months"]["values"]) == 2 and len(mine["months"]["labels"]) == 12
    everyone = chart_json(web(company.custodian).get("/"))
    assert dict(zip(everyone["grade"]["labels"], everyone["grade"]["values"])) == {"A 级": 2, "B 级": 1}
    assert dict(zip(everyone["region"]["labels"], everyone["region"]["values"])) == {"华东片区": 2, "华北片区": 1}


def test_complaint_chart_counts_open_and_closed(company, web, new_customer):
    from dangan.archives.services import records

    customer = new_customer()
    open_one = records.complaint_create(actor=company.owner, customer=customer, subject="包装破损", description="…")
    closed = records.complaint_create(actor=company.owner, customer=customer, subject="送货延迟", description="…")
    for to in ("handling", "resolved", "closed"):
        records.complaint_transition(actor=company.owner, complaint=closed, to=to, resolution="已补发")
    data = chart_json(web(company.owner).get("/"))
    assert data["complaints"]["values"] == [1, 1]
    assert open_one.state == "received"


def test_dashboard_needs_a_login(company, tenant_client):
    response = tenant_client(company.tenant).get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
