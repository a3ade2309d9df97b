"""Retention rules (R7): fixed years, not less than the longest shelf life in the ledger, from
events (end of relationship, last sale, contract end), the longest of several; legal holds."""
import datetime as dt

import pytest
from django.utils import timezone

from dangan.accounts import roles
from dangan.archives.models import ArchiveCategory, Customer
from dangan.archives.services import lifecycle, records
from dangan.governance.models import LegalHold, RetentionRule
from dangan.governance.services import retention
from dangan.platform.errors import ApplicationError


def _today():
    return timezone.localdate()


def test_new_companies_get_a_default_rule_and_filing_sets_the_date(company, filed_customer):
    assert RetentionRule.objects.get(category__isnull=True).fixed_years == 5
    customer = filed_customer()
    filed = timezone.localtime(customer.filed_at).date()
    assert customer.retain_until == retention.add_years(filed, 5)
    assert customer.retention_rule.category is None and customer.retention_basis["component"] == "fixed"


def test_a_draft_is_never_due(company, new_customer):
    customer = new_customer()
    assert retention.retention_recompute(customer=customer) is None


def test_never_less_than_the_longest_shelf_life_in_the_ledger(company, filed_customer):
    customer = filed_customer()
    fixed_until = customer.retain_until
    far = _today() + dt.timedelta(days=365 * 9)
    entry = records.ledger_entry_create(actor=company.owner, customer=customer, sale_date=_today().isoformat(),
                                        product_name="疫苗", quantity="1", expiry_date=far.isoformat())
    customer.refresh_from_db()
    assert customer.retain_until == retention.add_years(far, 1)  # a year past expiry (the default rule)
    assert customer.retention_basis["component"] == "shelf_life"
    records.ledger_entry_create(actor=company.owner, customer=customer, sale_date=_today().isoformat(),
                                product_name="片剂", quantity="1", shelf_life_months=36)
    customer.refresh_from_db()
    assert customer.retain_until == retention.add_years(far, 1)  # the longest wins
    records.ledger_entry_delete(actor=company.owner, entry=entry)  # ledger changes recompute
    customer.refresh_from_db()
    assert customer.retain_until == max(fixed_until, retention.add_years(retention.add_months(_today(), 36), 1))


def test_event_components_wait_for_their_event_and_the_longest_wins(company, filed_customer):
    category = ArchiveCategory.objects.get(code="jxs")
    retention.retention_rule_save(actor=company.admin, category=category, name="经销商", fixed_years=1,
                                  years_after_relationship_end=3, years_after_last_sale=2)
    customer = filed_customer()
    assert customer.retain_until is None and customer.retention_basis["pending"] == ["relationship_end"]
    customer = lifecycle.customer_archive(actor=company.custodian, customer=customer)
    customer.refresh_from_db()
    ended = timezone.localtime(customer.archived_at).date()
    assert customer.retain_until == retention.add_years(ended, 3)
    assert customer.retention_basis["component"] == "relationship_end"
    assert set(customer.retention_basis["components"]) == {"fixed", "relationship_end", "last_sale"}


def test_a_contract_end_date_field_counts(company, filed_customer):
    from dangan.archives.services import configuration
    from dangan.archives.services.customers import customer_update

    category = ArchiveCategory.objects.get(code="jxs")
    configuration.field_define(actor=company.admin, category=category, key="contract_end", label="合同终止日期",
                               field_type="date")
    with pytest.raises(ApplicationError) as caught:
        retention.retention_rule_save(actor=company.admin, category=category, contract_end_field="license_no",
                                      years_after_contract_end=2)
    assert caught.value.code == "retention_rule_field_invalid"
    retention.retention_rule_save(actor=company.admin, category=category, name="经销商合同",
                                  contract_end_field="contract_end", years_after_contract_end=2)
    customer = filed_customer()
    assert customer.retain_until is None  # no end date yet
    customer_update(actor=company.custodian, customer=customer, data={"custom_fields": {"contract_end": "2030-06-30"}})
    customer.refresh_from_db()
    assert customer.retain_until == dt.date(2032, 6, 30)


def test_only_administrators_change_rules_and_a_rule_needs_a_component(company):
    with pytest.raises(ApplicationError) as caught:
        retention.retention_rule_save(actor=company.custodian, fixed_years=1)
    assert caught.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as caught:
        retention.retention_rule_save(actor=company.admin, fixed_years=None, shelf_life=False)
    assert caught.value.code == "retention_rule_empty"


def test_legal_holds_are_set_and_released_by_authorized_roles_only(company, person, filed_customer):
    customer = filed_customer()
    manager = person("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER)
    auditor = person("au@x.cn", "审计乙", roles.AUDITOR)
    for outsider in (company.owner, company.supervisor, company.custodian):
        with pytest.raises(ApplicationError) as caught:
            retention.legal_hold_set(actor=outsider, customer=customer, reason="诉讼")
        assert caught.value.code == "legal_hold_not_allowed"
    with pytest.raises(ApplicationError):
        retention.legal_hold_set(actor=auditor, customer=customer, reason=" ")
    hold = retention.legal_hold_set(actor=auditor, customer=customer, reason="审计取证")
    assert hold.set_by["roles"] == [roles.AUDITOR]
    with pytest.raises(ApplicationError) as caught:
        retention.legal_hold_release(actor=auditor, hold=hold, reason="结束")  # auditors set, management releases
    assert caught.value.code == "legal_hold_not_allowed"
    hold = retention.legal_hold_release(actor=manager, hold=hold, reason="取证结束")
    assert not hold.active and hold.released_by["name"] == "总经理甲"
    with pytest.raises(ApplicationError) as caught:
        retention.legal_hold_release(actor=manager, hold=hold, reason="again")
    assert caught.value.code == "legal_hold_released"
    assert LegalHold.objects.filter(customer=customer).count() == 1


def test_leap_days_and_months(company):
    assert retention.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert retention.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert retention.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert Customer.objects.count() == 0


def test_rule_names_are_unique(company):
    category = ArchiveCategory.objects.get(code="jxs")
    with pytest.raises(ApplicationError) as caught:
        retention.retention_rule_save(actor=company.admin, category=category, name="购房客户：归档后 30 年",
                                      fixed_years=3)
    assert caught.value.code == "retention_rule_name_taken" and caught.value.status == 409


def test_absurd_shelf_lives_reach_the_end_of_the_calendar_not_a_crash(company, filed_customer):
    customer = filed_customer()
    records.ledger_entry_create(actor=company.owner, customer=customer, sale_date="2026-01-01",
                                product_name="试剂", quantity="1", shelf_life_months=2_000_000_000)
    customer.refresh_from_db()
    assert customer.retain_until == dt.date.max
    assert retention.add_years(dt.date(9998, 5, 1), 5) == dt.date.max
