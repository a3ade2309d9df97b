"""Edits: direct on drafts, change requests for important fields of filed files, full history."""
import pytest

from dangan.archives.models import ChangeRequest, CustomerChange
from dangan.archives.services import customers as svc
from dangan.archives.services import lifecycle
from dangan.platform.errors import ApplicationError


def _filed(company, new_customer, **overrides):
    customer = lifecycle.customer_submit(actor=company.owner, customer=new_customer(**overrides))
    customer = lifecycle.customer_approve(actor=company.supervisor, customer=customer)
    return lifecycle.customer_file(actor=company.custodian, customer=customer)


def test_draft_edits_apply_directly_with_history(company, new_customer):
    customer = new_customer()
    customer, request = svc.customer_update(actor=company.owner, customer=customer,
                                            data={"address": "北京市东城区", "grade": "B"}, reason="补充地址")
    assert request is None and customer.address == "北京市东城区" and customer.grade.code == "B"
    rows = {row.field: row for row in CustomerChange.objects.filter(customer=customer, action="update")}
    assert set(rows) == {"address", "grade"}
    assert rows["address"].old_value == "" and rows["address"].new_value == "北京市东城区"
    assert rows["address"].actor == company.owner and rows["address"].reason == "补充地址"


def test_important_changes_on_a_filed_file_wait_for_a_supervisor(company, new_customer):
    customer = _filed(company, new_customer)
    customer, request = svc.customer_update(actor=company.owner, customer=customer, reason="客户更名", data={
        "name": "北京同仁堂（新）", "credit_status": "良好", "sales_capacity": "年销 500 万"})
    assert request is not None and request.state == "pending"
    customer.refresh_from_db()
    assert customer.name == "北京同仁堂药店" and customer.credit_status == ""  # held
    assert customer.sales_capacity == "年销 500 万"  # not important: applied
    assert set(request.changes) == {"name", "credit_status"}

    with pytest.raises(ApplicationError) as caught:
        svc.change_request_approve(actor=company.owner, change_request=request)
    assert caught.value.code == "self_review_forbidden"
    with pytest.raises(ApplicationError) as caught:
        svc.change_request_approve(actor=company.other_supervisor, change_request=request)
    assert caught.value.code == "not_supervisor"

    customer = svc.change_request_approve(actor=company.supervisor, change_request=request)
    assert customer.name == "北京同仁堂（新）" and customer.credit_status == "良好"
    approved = CustomerChange.objects.filter(customer=customer, action="change_approved", field="name").get()
    assert approved.old_value == "北京同仁堂药店" and approved.change_request == request
    with pytest.raises(ApplicationError) as caught:
        svc.change_request_reject(actor=company.supervisor, change_request=request, reason="晚了")
    assert caught.value.code == "change_request_decided"


def test_contact_changes_on_a_filed_file_need_approval_and_can_be_rejected(company, new_customer):
    customer = _filed(company, new_customer)
    customer, request = svc.customer_update(actor=company.owner, customer=customer, reason="换人", data={
        "contacts": [{"name": "新经理", "phone": "13900000000"}]})
    assert request is not None
    assert [c.name for c in customer.contacts.all()] == ["王经理"]
    with pytest.raises(ApplicationError):
        svc.customer_update(actor=company.owner, customer=customer, reason="再改", data={"name": "又一个名字"})
    svc.change_request_reject(actor=company.supervisor, change_request=request, reason="未核实")
    request.refresh_from_db()
    assert request.state == "rejected" and request.decided_by == company.supervisor
    assert [c.name for c in customer.contacts.all()] == ["王经理"]


def test_important_change_needs_a_reason(company, new_customer):
    customer = _filed(company, new_customer)
    with pytest.raises(ApplicationError) as caught:
        svc.customer_update(actor=company.owner, customer=customer, data={"address": "新地址"})
    assert caught.value.code == "reason_required"
    assert not ChangeRequest.objects.exists()


def test_stale_version_is_refused(company, new_customer):
    customer = new_customer()
    svc.customer_update(actor=company.owner, customer=customer, data={"address": "甲"})
    with pytest.raises(ApplicationError) as caught:
        svc.customer_update(actor=company.owner, customer=customer, data={"address": "乙"},
                            expected_version=customer.version)
    assert caught.value.code == "version_conflict"


def test_people_outside_the_file_cannot_edit_it(company, new_customer):
    customer = new_customer()
    for actor in (company.colleague, company.outsider, company.other_supervisor):
        with pytest.raises(ApplicationError) as caught:
            svc.customer_update(actor=actor, customer=customer, data={"address": "x"})
        assert caught.value.code == "permission_denied"


def test_renaming_a_custom_field_keeps_values_and_removing_keeps_history(company, new_customer):
    from dangan.archives.models import CustomFieldDefinition
    from dangan.archives.services import configuration

    customer = new_customer(category="cz", name="车主甲", custom_fields={"plate_no": "京A12345", "mileage_km": 12000})
    plate = CustomFieldDefinition.objects.get(category__code="cz", key="plate_no")
    configuration.field_update(actor=company.admin, definition=plate, label="车牌号码")
    customer.refresh_from_db()
    assert customer.custom_fields["plate_no"] == "京A12345"
    mileage = CustomFieldDefinition.objects.get(category__code="cz", key="mileage_km")
    configuration.field_deactivate(actor=company.admin, definition=mileage)
    customer, _ = svc.customer_update(actor=company.owner, customer=customer, data={"custom_fields": {"vin": "LSVAB"}})
    assert customer.custom_fields == {"plate_no": "京A12345", "mileage_km": 12000, "vin": "LSVAB"}
    with pytest.raises(ApplicationError):
        svc.customer_update(actor=company.owner, customer=customer, data={"custom_fields": {"mileage_km": 1}})


def test_a_type_change_that_would_break_stored_values_is_refused(company, new_customer):
    from dangan.archives.models import CustomFieldDefinition
    from dangan.archives.services import configuration

    new_customer(category="cz", name="车主乙", custom_fields={"plate_no": "沪B1", "vehicle_model": "帕萨特"})
    model = CustomFieldDefinition.objects.get(category__code="cz", key="vehicle_model")
    with pytest.raises(ApplicationError) as caught:
        configuration.field_update(actor=company.admin, definition=model, field_type="number")
    assert caught.value.code == "custom_field_change_conflict"
    model.refresh_from_db()
    assert model.field_type == "text"


def test_every_problem_of_an_edit_is_reported_at_once_and_nothing_changes(company, new_customer):
    customer = new_customer(category="cz", name="车主乙", custom_fields={"plate_no": "京A12345"})
    with pytest.raises(ApplicationError) as caught:
        svc.customer_update(actor=company.owner, customer=customer, data={
            "grade": "Q", "contacts": [{"name": "乙", "email": "not-an-email"}],
            "custom_fields": {"mileage_km": "很多"}})
    assert caught.value.code == "validation_failed"
    assert set(caught.value.fields) == {"grade", "contacts.0.email", "custom_fields.mileage_km"}
    customer.refresh_from_db()
    assert customer.custom_fields == {"plate_no": "京A12345"} and customer.grade.code != "Q"
    assert not CustomerChange.objects.filter(customer=customer, action="update").exists()


def test_the_same_amount_written_differently_is_no_change(company, new_customer):
    customer = new_customer(category="jxs", custom_fields={"credit_limit": "50000.00"})
    customer, request = svc.customer_update(actor=company.owner, customer=customer,
                                            data={"custom_fields": {"credit_limit": "50000"}})
    assert request is None and customer.custom_fields["credit_limit"] == "50000.00"  # kept as stored
    assert not CustomerChange.objects.filter(customer=customer, action="update").exists()
    customer, _ = svc.customer_update(actor=company.owner, customer=customer,
                                      data={"custom_fields": {"credit_limit": "50000.5"}})
    assert customer.custom_fields["credit_limit"] == "50000.5"
    change = CustomerChange.objects.get(customer=customer, action="update")
    assert (change.field, change.old_value, change.new_value) == ("custom_fields.credit_limit", "50000.00", "50000.5")
