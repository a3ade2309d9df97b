"""设置 › 密级与人员密级: the administrator adds and edits levels, sets who approves access
requests, grants and revokes clearances — each through the confidentiality service, with an
audit event. Others get a 403; another company's session reaches nothing."""
from django.db import connection

from dangan.accounts import roles
from dangan.accounts.models import User
from dangan.governance.models import AuditEvent, ConfidentialityLevel
from dangan.governance.selectors import confidentiality_policy
from tests.web.conftest import SCRIPT, text_of

PAGE = "/settings/confidentiality/"


def test_the_page_lists_the_seeded_levels_and_the_menu_links_it(company, web):
    response = web(company.admin).get(PAGE)
    html = text_of(response)
    assert response.status_code == 200
    for name in ("公开", "内部", "秘密", "机密"):
        assert name in html
    assert f'href="{PAGE}" aria-current="page"' in html
    assert 'href="/settings/masking/"' in html and 'href="/settings/borrowing/"' in html


def test_the_administrator_adds_a_level_through_the_service(company, web):
    admin = web(company.admin)
    response = admin.post(f"{PAGE}levels/new/", {"code": "top", "name": "绝密", "rank": 40,
                                                 "requires_approval": "on", "description": "最高"})
    assert response.status_code == 302 and response["Location"] == PAGE
    level = ConfidentialityLevel.objects.get(code="top")
    assert (level.name, level.rank, level.requires_approval) == ("绝密", 40, True)
    assert AuditEvent.objects.filter(action="confidentiality.level_create", object_id=str(level.pk)).exists()
    assert "绝密" in text_of(admin.get(PAGE))


def test_refused_levels_show_their_errors_on_the_form(company, web):
    admin = web(company.admin)
    taken = admin.post(f"{PAGE}levels/new/", {"code": "secret2", "name": "秘密", "rank": 25})
    assert taken.status_code == 400 and "已被使用" in text_of(taken)
    assert taken.context["level_form"].errors["name"]
    # An unclassified level above classified ones breaks "approval from some rank upwards".
    upside_down = admin.post(f"{PAGE}levels/new/", {"code": "open-top", "name": "顶层公开", "rank": 99})
    assert upside_down.status_code == 400 and "级别最高的若干级" in text_of(upside_down)
    blank = admin.post(f"{PAGE}levels/new/", {"code": "", "name": "", "rank": ""})
    assert blank.status_code == 400 and {"code", "name", "rank"} <= set(blank.context["level_form"].errors)
    assert not ConfidentialityLevel.objects.filter(code__in=["secret2", "open-top"]).exists()


def test_the_administrator_renames_a_level_and_deletes_an_unused_one(company, web):
    admin = web(company.admin)
    level = ConfidentialityLevel.objects.get(code="internal")
    url = f"{PAGE}levels/{level.pk}/"
    page = admin.get(url)
    assert page.status_code == 200 and page.context["form"].initial["name"] == "内部"
    response = admin.post(url, {"name": "内部资料", "rank": 10, "description": "公司内部"})
    assert response.status_code == 302
    level.refresh_from_db()
    assert level.name == "内部资料" and level.code == "internal" and level.description == "公司内部"
    assert AuditEvent.objects.filter(action="confidentiality.level_update", object_id=str(level.pk)).exists()
    clash = admin.post(url, {"name": "机密", "rank": 10})
    assert clash.status_code == 400 and clash.context["form"].errors["name"]

    User.objects.filter(pk=company.owner.pk).update(clearance="internal")
    in_use = admin.post(f"{url}delete/", follow=True)
    assert "仍在使用" in text_of(in_use) and ConfidentialityLevel.objects.filter(pk=level.pk).exists()
    User.objects.filter(pk=company.owner.pk).update(clearance="")
    assert admin.post(f"{url}delete/").status_code == 302
    assert not ConfidentialityLevel.objects.filter(pk=level.pk).exists()


def test_the_administrator_sets_who_approves_access_requests(company, web):
    admin = web(company.admin)
    response = admin.post(f"{PAGE}policy/", {"approver_roles": [roles.GENERAL_MANAGER], "max_grant_days": 14})
    assert response.status_code == 302
    policy = confidentiality_policy()
    assert policy.approver_roles == [roles.GENERAL_MANAGER] and policy.max_grant_days == 14
    assert AuditEvent.objects.filter(action="confidentiality.policy_set").exists()
    none = admin.post(f"{PAGE}policy/", {"approver_roles": [], "max_grant_days": 14})
    assert none.status_code == 400 and none.context["policy_form"].errors["approver_roles"]
    too_long = admin.post(f"{PAGE}policy/", {"approver_roles": [roles.OFFICE], "max_grant_days": 999})
    assert too_long.status_code == 400 and too_long.context["policy_form"].errors["max_grant_days"]
    assert confidentiality_policy().approver_roles == [roles.GENERAL_MANAGER]


def test_the_administrator_grants_and_revokes_a_clearance(company, web):
    admin = web(company.admin)
    response = admin.post(f"{PAGE}clearances/", {"user": company.owner.pk, "level": "secret", "reason": "项目需要"})
    assert response.status_code == 302
    assert User.objects.get(pk=company.owner.pk).clearance == "secret"
    granted = AuditEvent.objects.get(action="confidentiality.clearance_set", object_id=str(company.owner.pk))
    assert granted.summary["to"] == "secret" and granted.summary["reason"] == "项目需要"
    listing = text_of(admin.get(PAGE))
    assert "张三" in listing and f"{PAGE}clearances/{company.owner.pk}/revoke/" in listing

    reasonless = admin.post(f"{PAGE}clearances/{company.owner.pk}/revoke/", {"reason": ""})
    assert reasonless.status_code == 400 and reasonless.context["revoke_user"] == company.owner.pk
    [(_, _, form)] = [row for row in reasonless.context["cleared"] if row[0].pk == company.owner.pk]
    assert form.errors["reason"] and 'id="id_revoke_%d_reason"' % company.owner.pk in text_of(reasonless)
    assert User.objects.get(pk=company.owner.pk).clearance == "secret"
    revoked = admin.post(f"{PAGE}clearances/{company.owner.pk}/revoke/", {"reason": "项目结束"})
    assert revoked.status_code == 302 and User.objects.get(pk=company.owner.pk).clearance == ""
    assert AuditEvent.objects.filter(action="confidentiality.clearance_set").count() == 2


def test_clearance_refusals_show_on_the_form(company, web):
    admin = web(company.admin)
    itself = admin.post(f"{PAGE}clearances/", {"user": company.admin.pk, "level": "secret", "reason": "自己"})
    assert itself.status_code == 400 and "不能给自己授权" in text_of(itself)
    reasonless = admin.post(f"{PAGE}clearances/", {"user": company.owner.pk, "level": "secret", "reason": ""})
    assert reasonless.status_code == 400 and reasonless.context["clearance_form"].errors["reason"]
    unknown = admin.post(f"{PAGE}clearances/", {"user": company.owner.pk, "level": "nope", "reason": "x"})
    assert unknown.status_code == 400 and unknown.context["clearance_form"].errors["level"]
    assert not User.objects.exclude(clearance="").exists()


def test_names_with_markup_render_as_text(company, web):
    from dangan.governance.services import confidentiality

    level = confidentiality.level_create(actor=company.admin, code="x", name=f"密{SCRIPT}"[:30], rank=50,
                                         requires_approval=True, description=SCRIPT)
    User.objects.filter(pk=company.owner.pk).update(full_name=f"张{SCRIPT}", clearance="x")
    for url in (PAGE, f"{PAGE}levels/{level.pk}/"):
        html = text_of(web(company.admin).get(url))
        assert SCRIPT not in html and "&lt;script&gt;" in html, url


def test_people_without_the_role_get_403_and_change_nothing(company, web):
    level = ConfidentialityLevel.objects.get(code="internal")
    custodian = web(company.custodian)  # may set files' levels, but not the catalogue or clearances
    for url in (PAGE, f"{PAGE}levels/{level.pk}/"):
        assert custodian.get(url).status_code == 403, url
    assert custodian.post(f"{PAGE}levels/new/", {"code": "c", "name": "偷加", "rank": 5}).status_code == 403
    assert custodian.post(f"{PAGE}levels/{level.pk}/", {"name": "改名", "rank": 10}).status_code == 403
    assert custodian.post(f"{PAGE}levels/{level.pk}/delete/").status_code == 403
    assert custodian.post(f"{PAGE}policy/", {"approver_roles": [roles.CUSTODIAN],
                                             "max_grant_days": 300}).status_code == 403
    assert custodian.post(f"{PAGE}clearances/", {"user": company.owner.pk, "level": "secret",
                                                 "reason": "x"}).status_code == 403
    level.refresh_from_db()
    assert level.name == "内部" and not ConfidentialityLevel.objects.filter(code="c").exists()
    assert confidentiality_policy().max_grant_days != 300
    assert User.objects.get(pk=company.owner.pk).clearance == ""


def test_another_companys_administrator_reaches_nothing(company, stranger):
    level = ConfidentialityLevel.objects.get(code="internal")
    User.objects.filter(pk=company.owner.pk).update(clearance="secret")
    for url in (PAGE, f"{PAGE}levels/{level.pk}/"):
        response = stranger.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    stranger.post(f"{PAGE}levels/new/", {"code": "spy", "name": "间谍", "rank": 5})
    stranger.post(f"{PAGE}levels/{level.pk}/", {"name": "被改", "rank": 10})
    stranger.post(f"{PAGE}levels/{level.pk}/delete/")
    stranger.post(f"{PAGE}clearances/{company.owner.pk}/revoke/", {"reason": "x"})
    connection.set_tenant(company.tenant)
    level.refresh_from_db()
    assert level.name == "内部" and not ConfidentialityLevel.objects.filter(code="spy").exists()
    assert User.objects.get(pk=company.owner.pk).clearance == "secret"


def test_the_pages_speak_english_on_request(company, web):
    client = web(company.admin)
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    html = text_of(client.get(PAGE))
    assert "Confidentiality and clearances" in html and "Grant a clearance" in html and "授予人员密级" not in html
    assert "Masking rules" in text_of(client.get("/settings/masking/"))
    assert "Loan approver roles" in text_of(client.get("/settings/borrowing/"))
    users = text_of(client.get("/settings/users/", {"q": "nobody"}))
    assert "No users match." in users and "0 people" in users
