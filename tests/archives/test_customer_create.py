"""Creating a customer file: numbering, validation of classifications and custom fields."""
import datetime as dt
import threading

import pytest
from django.db import connection, connections

from dangan.archives.custom_fields import cn_id_is_valid
from dangan.archives.models import Customer, CustomerChange
from dangan.archives.services.customers import customer_create
from dangan.platform.errors import ApplicationError


def test_new_file_is_a_numbered_draft_with_contacts_and_history(company, new_customer):
    customer = new_customer()
    year = dt.date.today().year
    assert customer.archive_number == f"JXS-EAST-{year}-00001"
    assert customer.state == "draft" and customer.owner == company.owner and customer.created_by == company.owner
    assert customer.creation_due_on == customer.first_contact_on + dt.timedelta(days=7)
    assert [c.name for c in customer.contacts.all()] == ["王经理"] and customer.contacts.get().is_primary
    assert customer.grade.code == "A" and customer.region.code == "east"
    assert CustomerChange.objects.filter(customer=customer, action="create").exists()
    second = new_customer(name="第二家")
    assert second.archive_number == f"JXS-EAST-{year}-00002"
    other_region = new_customer(name="西部客户", region="west" if False else "southwest")
    assert other_region.archive_number == f"JXS-SOUTHWEST-{year}-00001"


def test_classifications_are_validated_against_their_vocabularies(company, new_customer):
    with pytest.raises(ApplicationError) as caught:
        new_customer(grade="Z", region="mars", industry="A")
    assert caught.value.code == "validation_failed"
    assert {"grade", "region", "industry"} <= set(caught.value.fields)
    assert caught.value.fields["grade"][0]["code"] == "classification_invalid"


def test_custom_fields_are_validated_per_field(company, new_customer):
    with pytest.raises(ApplicationError) as caught:
        new_customer(category="gf", name="购房人甲", custom_fields={
            "payment_method": "现金袋", "buyer_id_number": "110101199003071234", "signing_date": "2026-13-01",
            "bogus": "x"})
    fields = caught.value.fields
    assert set(fields) == {"custom_fields.payment_method", "custom_fields.buyer_id_number",
                           "custom_fields.signing_date", "custom_fields.bogus", "custom_fields.unit_no"}
    assert fields["custom_fields.unit_no"][0]["code"] == "required"
    assert fields["custom_fields.bogus"][0]["code"] == "custom_field_unknown"
    assert "身份证" in fields["custom_fields.buyer_id_number"][0]["message"]["zh-hans"]
    assert Customer.objects.count() == 0


def test_valid_custom_fields_are_normalized_and_stored(company, new_customer):
    customer = new_customer(category="gf", name="购房人乙", custom_fields={
        "unit_no": " 3-1-502 ", "payment_method": "商业贷款", "buyer_id_number": "11010519491231002x",
        "signing_date": "2026-03-08"})
    assert customer.custom_fields == {"unit_no": "3-1-502", "payment_method": "商业贷款",
                                      "buyer_id_number": "11010519491231002X", "signing_date": "2026-03-08"}


@pytest.mark.parametrize("value,valid", [
    ("11010519491231002X", True), ("110105194912310021", False), ("11010519491331002X", False), ("1101051949", False),
])
def test_chinese_id_checksum(value, valid):
    assert cn_id_is_valid(value) is valid


def test_plain_field_errors_in_both_languages(company, new_customer):
    with pytest.raises(ApplicationError) as caught:
        new_customer(name="", company_size="giant", trading_since="yesterday")
    fields = caught.value.fields
    assert set(fields) == {"name", "company_size", "trading_since"}
    size = fields["company_size"][0]["message"]
    assert "giant" in size["en"] and "valid choice" in size["en"] and size["zh-hans"] != size["en"]


def test_contact_errors_are_reported_per_row(company, new_customer):
    with pytest.raises(ApplicationError) as caught:
        new_customer(contacts=[{"name": "甲", "phone": "13800000000"}, {"name": "", "phone": "12", "email": "bad"}])
    assert set(caught.value.fields) == {"contacts.1.name", "contacts.1.phone", "contacts.1.email"}


def test_numbers_stay_gap_free_and_unique_under_parallel_writers(committed, signup_data):
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data())
    numbers: list[str] = []
    failures: list[str] = []
    barrier = threading.Barrier(6)

    def writer(index: int) -> None:
        try:
            with schema_context(tenant.schema_name):
                actor = User.objects.get(email=tenant.admin_email)
                barrier.wait()
                for n in range(5):
                    customer = customer_create(actor=actor, category="gr", name=f"客户{index}-{n}")
                    numbers.append(customer.archive_number)
        except Exception as exc:  # every failure must show in the assertion below
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    year = dt.date.today().year
    assert sorted(numbers) == [f"GR-{year}-{n:05d}" for n in range(1, 31)]
    connection.set_schema_to_public()


def test_a_rolled_back_creation_does_not_burn_a_number(company, new_customer):
    first = new_customer(category="gr", name="甲")
    with pytest.raises(ApplicationError):
        new_customer(category="gr", name="乙", custom_fields={"id_number": "bad"})
    third = new_customer(category="gr", name="丙")
    assert int(third.archive_number[-5:]) == int(first.archive_number[-5:]) + 1


def test_a_file_is_of_its_categorys_default_kind_unless_told(company, new_customer):
    person = new_customer(category="gr", name="张伟", region="east")
    dealer = new_customer(category="jxs", name="华东医药")
    told = new_customer(category="gr", name="个体药店有限公司", kind="enterprise")
    assert (person.kind, dealer.kind, told.kind) == ("individual", "enterprise", "enterprise")
