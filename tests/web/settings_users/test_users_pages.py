"""设置 › 用户与角色: the administrator invites people (they set their password from the mail),
edits names, roles and departments, deactivates and reactivates — never deletes. Others get a
403; another company's session reaches nothing."""
import re

from dangan.accounts import roles
from dangan.accounts.models import User
from dangan.governance.models import AuditEvent
from tests.web.conftest import SCRIPT, text_of

USERS = "/settings/users/"


def test_the_users_page_lists_people_with_roles_departments_and_state(company, web):
    User.objects.filter(pk=company.outsider.pk).update(is_active=False)
    html = text_of(web(company.admin).get(USERS))
    assert "张三" in html and "zhang@x.cn" in html and roles.SALESPERSON in html and "销售一部" in html
    assert "已停用" in html and 'href="/settings/users/"' in html  # the settings menu links it
    assert f'href="/settings/users/{company.owner.pk}/"' in html


def test_an_invited_person_sets_a_password_from_the_mail_and_signs_in(company, web, tenant_client, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    admin = web(company.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{USERS}invite/", {"email": "Zhou@X.cn", "full_name": "周新人",
                                                  "role_names": [roles.SALESPERSON, roles.CUSTODIAN],
                                                  "departments": [company.sales2.pk]})
    assert response.status_code == 302 and response["Location"] == USERS
    person = User.objects.get(email="zhou@x.cn")
    assert set(person.groups.values_list("name", flat=True)) == {roles.SALESPERSON, roles.CUSTODIAN}
    assert list(person.departments.all()) == [company.sales2] and not person.has_usable_password()
    assert "待设置密码" in text_of(admin.get(USERS))
    assert AuditEvent.objects.filter(action="user.invite", object_id=str(person.pk)).exists()

    [mail] = mailoutbox
    assert "周新人" in mail.body and "华东医药销售有限公司" in mail.subject
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.body).group(1)
    newcomer = tenant_client(company.tenant)
    set_password = newcomer.get(path)["Location"]
    newcomer.post(set_password, {"new_password1": "Zhou-Mima-2026-x", "new_password2": "Zhou-Mima-2026-x"})
    person.refresh_from_db()
    assert person.check_password("Zhou-Mima-2026-x")


def test_invitation_errors_show_on_the_form(company, web):
    admin = web(company.admin)
    taken = admin.post(f"{USERS}invite/", {"email": "zhang@x.cn", "full_name": "重名"})
    assert taken.status_code == 400 and taken.context["form"].errors["email"]
    assert "已被本公司的用户使用" in text_of(taken)
    empty = admin.post(f"{USERS}invite/", {"email": "", "full_name": ""})
    assert empty.status_code == 400 and set(empty.context["form"].errors) == {"email", "full_name"}


def test_the_administrator_edits_roles_departments_and_name(company, web):
    admin = web(company.admin)
    url = f"{USERS}{company.owner.pk}/"
    page = admin.get(url)
    assert page.status_code == 200 and page.context["form"].initial["role_names"] == [roles.SALESPERSON]
    response = admin.post(url, {"full_name": "张三丰", "role_names": [roles.SUPERVISOR],
                                "departments": [company.sales1.pk, company.sales2.pk]})
    assert response.status_code == 302 and response["Location"] == url
    owner = User.objects.get(pk=company.owner.pk)
    assert owner.full_name == "张三丰" and list(owner.groups.values_list("name", flat=True)) == [roles.SUPERVISOR]
    assert set(owner.departments.all()) == {company.sales1, company.sales2}
    unknown = admin.post(url, {"full_name": "张三丰", "role_names": ["皇帝"]})
    assert unknown.status_code == 400 and unknown.context["form"].errors["role_names"]


def test_deactivate_then_reactivate_and_the_refusals_say_why(company, web, tenant_client):
    admin = web(company.admin)
    colleague = web(company.colleague)
    assert colleague.get("/").status_code == 200
    admin.post(f"{USERS}{company.colleague.pk}/deactivate/")
    assert not User.objects.get(pk=company.colleague.pk).is_active
    assert colleague.get("/").status_code == 302  # the session no longer signs them in
    assert "已停用" in text_of(admin.get(f"{USERS}{company.colleague.pk}/"))
    admin.post(f"{USERS}{company.colleague.pk}/reactivate/")
    assert User.objects.get(pk=company.colleague.pk).is_active
    itself = admin.post(f"{USERS}{company.admin.pk}/deactivate/", follow=True)
    assert "不能停用自己的账号" in text_of(itself) and User.objects.get(pk=company.admin.pk).is_active
    assert User.objects.filter(pk=company.colleague.pk).exists()  # never deleted


def test_names_with_markup_render_as_text(company, web):
    User.objects.filter(pk=company.owner.pk).update(full_name=f"张{SCRIPT}")
    for url in (USERS, f"{USERS}{company.owner.pk}/"):
        html = text_of(web(company.admin).get(url))
        assert SCRIPT not in html and "&lt;script&gt;" in html, url


def test_people_without_the_role_get_403_and_change_nothing(company, web):
    supervisor = web(company.supervisor)
    for url in (USERS, f"{USERS}{company.owner.pk}/"):
        assert supervisor.get(url).status_code == 403, url
    assert supervisor.post(f"{USERS}invite/", {"email": "x@x.cn", "full_name": "某"}).status_code == 403
    assert supervisor.post(f"{USERS}{company.owner.pk}/deactivate/").status_code == 403
    assert supervisor.post(f"{USERS}{company.owner.pk}/", {"full_name": "改"}).status_code == 403
    assert not User.objects.filter(email="x@x.cn").exists()
    owner = User.objects.get(pk=company.owner.pk)
    assert owner.is_active and owner.full_name == "张三"


def test_another_companys_administrator_reaches_nothing(company, stranger):
    for url in (USERS, f"{USERS}{company.owner.pk}/"):
        response = stranger.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    stranger.post(f"{USERS}{company.owner.pk}/deactivate/")
    stranger.post(f"{USERS}invite/", {"email": "spy@y.cn", "full_name": "间谍"})
    from django.db import connection

    connection.set_tenant(company.tenant)
    assert User.objects.get(pk=company.owner.pk).is_active and not User.objects.filter(email="spy@y.cn").exists()


def test_the_pages_speak_english_on_request(company, web):
    client = web(company.admin)
    client.post("/i18n/setlang/", {"language": "en", "next": USERS})
    html = text_of(client.get(USERS))
    assert "Users and roles" in html and "Invite a user" in html and "用户与角色" not in html
    assert "New API key" in text_of(client.get("/settings/api-keys/"))
