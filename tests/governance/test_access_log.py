"""The query log (查询记录): views, searches and exports of customer data are recorded with
who, when and what; sensitive actions need a reason; the log itself is append-only."""
import pytest
from django.db import DatabaseError, transaction

from dangan.governance.models import AccessRecord
from dangan.governance.services.access import access_record
from dangan.platform.errors import ApplicationError


def test_a_record_keeps_who_what_and_when(company, new_customer):
    customer = new_customer()
    record = access_record(actor=company.supervisor, action="view", obj=customer, customer_ids=[customer.pk])
    record = AccessRecord.objects.get(pk=record.pk)
    assert (record.user_id, record.user_name, record.roles) == (company.supervisor.pk, "赵主管", ["主管"])
    assert (record.object_type, record.object_id, record.customer_ids) == ("archives.customer", str(customer.pk),
                                                                           [customer.pk])
    assert record.at is not None


def test_sensitive_actions_need_a_reason(company, new_customer):
    customer = new_customer()
    with pytest.raises(ApplicationError) as caught:
        access_record(actor=company.owner, action="reveal", obj=customer, customer_ids=[customer.pk], reason=" ")
    assert caught.value.code == "reason_required"
    access_record(actor=company.owner, action="reveal", obj=customer, customer_ids=[customer.pk], reason="核对身份")
    with pytest.raises(ApplicationError):
        access_record(actor=company.owner, action="peek")


def test_the_log_cannot_be_edited_or_removed(company):
    access_record(actor=company.owner, action="list", query={"q": "药店"}, result_count=0)
    for statement in (lambda: AccessRecord.objects.update(reason="x"), lambda: AccessRecord.objects.all().delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()


def test_an_export_of_customers_is_recorded(company, new_customer):
    from dangan.archives.services.exports import export_start

    new_customer()
    record = export_start(actor=company.owner, filters={"category": None, "q": "同仁堂"})
    logged = AccessRecord.objects.get(action="export")
    assert logged.object_id == str(record.pk) and logged.query == {"q": "同仁堂"} and logged.result_count == 1
