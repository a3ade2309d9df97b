"""Update cadences (R3): administrators change and remove rules; each change is audited in the
same transaction, and a rule that would apply to everything is refused like on creation."""
from __future__ import annotations

import pytest

from dangan.archives.models import ArchiveCategory, CadenceRule, ClassificationTerm
from dangan.archives.services import configuration
from dangan.archives.services.lifecycle import review_interval_days
from dangan.governance.models import AuditEvent
from dangan.platform.errors import ApplicationError


def _last_actions(count: int) -> list[str]:
    return list(AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:count])[::-1]


def test_an_updated_rule_changes_the_interval_files_get(company, new_customer):
    customer = new_customer(grade="B")
    grade_b = ClassificationTerm.objects.get(scheme__code="grade", code="B")
    rule = configuration.cadence_rule_create(actor=company.admin, name="B 级", interval_days=60, grade=grade_b)
    assert review_interval_days(customer) == 60
    configuration.cadence_rule_update(actor=company.admin, rule=rule, interval_days=45, name="B 级（加密）")
    assert review_interval_days(customer) == 45
    rule.refresh_from_db()
    assert (rule.name, rule.grade, rule.interval_days) == ("B 级（加密）", grade_b, 45)
    event = AuditEvent.objects.filter(action="cadence_rule.update").latest("seq")
    assert event.object_id == str(rule.pk) and event.summary["fields"] == ["interval_days", "name"]
    assert event.summary["interval_days"] == 45


def test_a_deleted_rule_no_longer_applies_and_the_chain_remembers_it(company, new_customer):
    customer = new_customer(grade="C")
    category = ArchiveCategory.objects.get(code="jxs")
    rule = configuration.cadence_rule_create(actor=company.admin, name="经销商双周", interval_days=14, category=category)
    assert review_interval_days(customer) == 14
    configuration.cadence_rule_delete(actor=company.admin, rule=rule)
    assert not CadenceRule.objects.filter(pk=rule.pk).exists()
    assert review_interval_days(customer) == 90  # the category's own quarterly cadence again
    assert _last_actions(2) == ["cadence_rule.create", "cadence_rule.delete"]
    deleted = AuditEvent.objects.get(action="cadence_rule.delete")
    assert deleted.summary == {"name": "经销商双周", "interval_days": 14, "is_key_customer": None, "grade": None,
                               "category": category.pk}


def test_refused_changes_leave_the_rule_and_the_chain_as_they_were(company):
    rule = CadenceRule.objects.get(is_key_customer=True)
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        configuration.cadence_rule_update(actor=company.admin, rule=rule, is_key_customer=None)
    assert caught.value.code == "invalid" and "适用范围" in caught.value.message()["zh-hans"]
    with pytest.raises(ApplicationError) as caught:
        configuration.cadence_rule_update(actor=company.admin, rule=rule, interval_days=0)
    assert caught.value.fields["interval_days"][0]["message"]["en"] == "The interval must be 1–3650 days."
    region = ClassificationTerm.objects.get(scheme__code="region", code="east")
    with pytest.raises(ApplicationError) as caught:
        configuration.cadence_rule_update(actor=company.admin, rule=rule, grade=region)
    assert list(caught.value.fields) == ["grade"]
    with pytest.raises(ApplicationError):
        configuration.cadence_rule_create(actor=company.admin, name="x", interval_days=0, is_key_customer=True)
    for person in (company.supervisor, company.custodian):
        with pytest.raises(ApplicationError) as caught:
            configuration.cadence_rule_update(actor=person, rule=rule, interval_days=7)
        assert caught.value.code == "permission_denied"
        with pytest.raises(ApplicationError):
            configuration.cadence_rule_delete(actor=person, rule=rule)
    rule.refresh_from_db()
    assert (rule.is_key_customer, rule.interval_days) == (True, 30) and AuditEvent.objects.count() == events
