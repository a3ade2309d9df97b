"""保管期限 settings (rules and the destruction approval chain, administrators) and 法律保全
(legal holds: set by management, auditors, administrators; released by management)."""
from dangan.accounts import roles
from dangan.archives.models import ArchiveCategory, Customer
from dangan.governance.models import DispositionStep, LegalHold, RetentionRule
from dangan.governance.services.disposition import chain_steps
from tests.web.conftest import SCRIPT, text_of

RULES = "/settings/retention/"
HOLDS = "/legal-holds/"


def test_the_administrator_sets_a_category_rule_and_files_are_recomputed(company, web, expired_file):
    customer = expired_file(name="重算药店")
    admin = web(company.admin)
    page = text_of(admin.get(RULES))
    assert "保管期限规则" in page and "销毁审批链" in page and 'href="/settings/retention/"' in page
    category = ArchiveCategory.objects.get(code="jxs")
    response = admin.post(f"{RULES}rules/", {"category": category.pk, "fixed_years": 30, "name": "经销商三十年"})
    assert response.status_code == 302
    rule = RetentionRule.objects.get(category=category)
    assert rule.name == "经销商三十年" and rule.fixed_years == 30
    assert Customer.objects.get(pk=customer.pk).retain_until.year >= 2050  # recomputed from the filing day
    assert "经销商三十年" in text_of(admin.get(RULES))
    empty = admin.post(f"{RULES}rules/", {"category": category.pk, "name": "空规则"})
    assert empty.status_code == 400 and "至少需要一项期限" in text_of(empty)


def test_the_administrator_configures_the_approval_chain(company, web):
    admin = web(company.admin)
    response = admin.post(f"{RULES}chain/", {"role_0": roles.OFFICE, "label_0": "办公室初审",
                                             "role_1": "", "role_2": roles.GENERAL_MANAGER, "label_2": "总经理批准"})
    assert response.status_code == 302
    assert chain_steps() == [{"role": roles.OFFICE, "label": "办公室初审"},
                             {"role": roles.GENERAL_MANAGER, "label": "总经理批准"}]
    none = admin.post(f"{RULES}chain/", {})
    assert none.status_code == 400 and "审批链须有 1 至 10 级" in text_of(none)
    assert DispositionStep.objects.count() == 2


def test_retention_settings_are_for_administrators_only(company, web, person):
    manager = web(person("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER))
    assert manager.get(RULES).status_code == 403
    assert manager.post(f"{RULES}rules/", {"fixed_years": 1}).status_code == 403
    assert manager.post(f"{RULES}chain/", {"role_0": roles.OFFICE}).status_code == 403
    assert not RetentionRule.objects.filter(fixed_years=1).exists()
    assert [step["role"] for step in chain_steps()] == [roles.SUPERVISOR, roles.OFFICE, roles.GENERAL_MANAGER]


def test_a_hold_is_set_by_archive_number_and_released_with_a_reason(company, web, person, new_customer):
    customer = new_customer(name="诉讼药店")
    auditor = web(person("audit@x.cn", "周审计", roles.AUDITOR))
    unknown = auditor.post(f"{HOLDS}new/", {"archive_number": "NO-SUCH-1", "reason": "诉讼"})
    assert unknown.status_code == 400 and "没有找到该编号的档案" in text_of(unknown)
    no_reason = auditor.post(f"{HOLDS}new/", {"archive_number": customer.archive_number, "reason": ""})
    assert no_reason.status_code == 400 and "请填写原因" in text_of(no_reason)
    auditor.post(f"{HOLDS}new/", {"archive_number": customer.archive_number, "reason": f"（2026）京01民初1号{SCRIPT}"})
    hold = LegalHold.objects.get(customer=customer)
    assert hold.active and hold.set_by["name"] == "周审计"
    page = text_of(auditor.get(HOLDS))
    assert customer.archive_number in page and "保全中" in page and SCRIPT not in page and "&lt;script&gt;" in page
    assert f"{HOLDS}{hold.pk}/release/" not in page  # auditors set holds; management releases them

    manager = web(person("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER))
    assert "请填写原因" in text_of(manager.post(f"{HOLDS}{hold.pk}/release/", {"reason": ""}, follow=True))
    manager.post(f"{HOLDS}{hold.pk}/release/", {"reason": "案件已结"})
    hold.refresh_from_db()
    assert not hold.active and hold.release_reason == "案件已结" and hold.released_by["name"] == "总经理甲"
    assert "已解除" in text_of(manager.get(HOLDS))


def test_holds_are_not_for_salespeople_or_strangers(company, web, new_customer, stranger):
    customer = new_customer()
    owner = web(company.owner)
    assert owner.get(HOLDS).status_code == 403
    assert owner.post(f"{HOLDS}new/", {"archive_number": customer.archive_number, "reason": "x"}).status_code == 403
    stranger.post(f"{HOLDS}new/", {"archive_number": customer.archive_number, "reason": "x"})
    from django.db import connection

    connection.set_tenant(company.tenant)
    assert not LegalHold.objects.exists()
