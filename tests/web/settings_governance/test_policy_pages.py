"""设置 › 敏感信息显示 and 借阅规则: the administrator edits the masking policy and the borrowing
policy through their services (audited); the pages show what the rules cover. Others get a
403; another company's session reaches nothing."""
from django.db import connection

from dangan.accounts import roles
from dangan.governance.models import AuditEvent, MaskingPolicy
from dangan.governance.services import borrowing
from tests.web.conftest import SCRIPT, text_of

MASKING = "/settings/masking/"
BORROWING = "/settings/borrowing/"


def test_the_masking_page_shows_the_policy_and_the_fields_it_masks(company, web, category_with_fields):
    response = web(company.admin).get(MASKING)
    html = text_of(response)
    assert response.status_code == 200 and f'href="{MASKING}" aria-current="page"' in html
    form = response.context["form"]
    assert form.initial["clear_roles"] == [roles.CUSTODIAN] and form.initial["owner_sees_clear"] is True
    assert "车主手机" in html and "车主档案" in html and "车牌号" not in html  # only sensitive fields
    assert "138****5678" in html  # what a masked phone looks like


def test_the_administrator_changes_who_sees_clear_values(company, web):
    admin = web(company.admin)
    response = admin.post(MASKING, {"clear_roles": [roles.CUSTODIAN, roles.GENERAL_MANAGER],
                                    "reveal_roles": [roles.OFFICE]})
    assert response.status_code == 302 and response["Location"] == MASKING
    policy = MaskingPolicy.load()
    assert policy.clear_roles == [roles.CUSTODIAN, roles.GENERAL_MANAGER]
    assert policy.reveal_roles == [roles.OFFICE] and policy.owner_sees_clear is False  # unticked box
    event = AuditEvent.objects.get(action="masking_policy.update")
    assert event.summary["after"]["reveal_roles"] == [roles.OFFICE]
    unknown = admin.post(MASKING, {"clear_roles": ["皇帝"]})
    assert unknown.status_code == 400 and unknown.context["form"].errors["clear_roles"]
    assert MaskingPolicy.load().clear_roles == [roles.CUSTODIAN, roles.GENERAL_MANAGER]


def test_the_administrator_sets_the_borrowing_rules(company, web):
    admin = web(company.admin)
    page = admin.get(BORROWING)
    assert page.status_code == 200 and page.context["form"].initial["max_days"] == borrowing.DEFAULT_MAX_DAYS
    assert f'href="{BORROWING}" aria-current="page"' in text_of(page)
    response = admin.post(BORROWING, {"approver_roles": [roles.DEPARTMENT_MANAGER, roles.OFFICE], "max_days": 14})
    assert response.status_code == 302 and response["Location"] == BORROWING
    assert borrowing.borrowing_policy() == {"approver_roles": [roles.DEPARTMENT_MANAGER, roles.OFFICE],
                                            "max_days": 14}
    assert AuditEvent.objects.get(action="borrowing.policy_set").summary["max_days"] == 14
    assert admin.get(BORROWING).context["form"].initial["approver_roles"] == [roles.DEPARTMENT_MANAGER, roles.OFFICE]


def test_borrowing_rule_errors_show_on_the_form(company, web):
    admin = web(company.admin)
    none = admin.post(BORROWING, {"approver_roles": [], "max_days": 14})
    assert none.status_code == 400 and "请至少选择一个审批角色" in text_of(none)
    assert none.context["form"].errors["approver_roles"]
    too_long = admin.post(BORROWING, {"approver_roles": [roles.OFFICE], "max_days": 400})
    assert too_long.status_code == 400 and too_long.context["form"].errors["max_days"]
    assert borrowing.borrowing_policy()["max_days"] == borrowing.DEFAULT_MAX_DAYS
    assert not AuditEvent.objects.filter(action="borrowing.policy_set").exists()


def test_field_names_with_markup_render_as_text(company, web, category_with_fields):
    from dangan.archives.services import configuration as config

    config.field_define(actor=company.admin, category=category_with_fields, key="idn", label=f"身份证{SCRIPT}",
                        field_type="text")
    html = text_of(web(company.admin).get(MASKING))
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_people_without_the_role_get_403_and_change_nothing(company, web):
    supervisor = web(company.supervisor)
    for url in (MASKING, BORROWING):
        assert supervisor.get(url).status_code == 403, url
    assert supervisor.post(MASKING, {"clear_roles": [roles.SUPERVISOR]}).status_code == 403
    assert supervisor.post(BORROWING, {"approver_roles": [roles.SUPERVISOR], "max_days": 365}).status_code == 403
    assert roles.SUPERVISOR not in MaskingPolicy.load().clear_roles
    assert borrowing.borrowing_policy()["max_days"] == borrowing.DEFAULT_MAX_DAYS


def test_another_companys_administrator_reaches_nothing(company, stranger):
    for url in (MASKING, BORROWING):
        response = stranger.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    stranger.post(MASKING, {"clear_roles": [roles.SALESPERSON]})
    stranger.post(BORROWING, {"approver_roles": [roles.SALESPERSON], "max_days": 365})
    connection.set_tenant(company.tenant)
    assert roles.SALESPERSON not in MaskingPolicy.load().clear_roles
    assert borrowing.borrowing_policy()["max_days"] == borrowing.DEFAULT_MAX_DAYS
    assert not AuditEvent.objects.filter(action__in=["masking_policy.update", "borrowing.policy_set"]).exists()
