"""The company's user administration (accounts/services.py): administrators only, every change
audited, users never deleted, and the company always keeps an administrator."""
import pytest
from django.contrib.auth.models import Group

from dangan.accounts import roles, services
from dangan.accounts.models import User
from dangan.governance.models import AuditEvent
from dangan.platform.errors import ApplicationError


def _roles(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_an_invitation_creates_a_user_without_password_and_mails_a_link_after_commit(
        company, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = services.user_invite(actor=company.admin, email=" New.Person@X.cn ", full_name="新同事",
                                    role_names=[roles.SALESPERSON], departments=[company.sales2])
        assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert user.email == "new.person@x.cn" and not user.has_usable_password() and user.is_active
    assert _roles(user) == {roles.SALESPERSON} and list(user.departments.all()) == [company.sales2]
    event = AuditEvent.objects.get(action="user.invite", object_id=str(user.pk))
    assert event.summary["roles"] == [roles.SALESPERSON] and event.summary["departments"] == ["sales2"]
    assert event.actor["id"] == company.admin.pk
    [mail] = mailoutbox
    assert mail.to == ["new.person@x.cn"] and "/accounts/password/reset/" in mail.body


@pytest.mark.parametrize("port, expected", [("", "https://{host}/accounts/password/reset/"),
                                           ("8000", "https://{host}:8000/accounts/password/reset/")])
def test_an_invitation_link_is_on_the_companys_host_and_the_configured_port(
        company, mailoutbox, django_capture_on_commit_callbacks, settings, port, expected):
    settings.DANGAN_LINK_PORT = port  # make run serves on 8000: its links must say so
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invite(actor=company.admin, email="port@x.cn", full_name="端口", role_names=[roles.SALESPERSON])
    [mail] = mailoutbox
    assert expected.format(host=services.company_host().split(":")[0]) in mail.body


def test_invitation_input_is_checked(company):
    cases = [({"email": "zhang@X.cn", "full_name": "重复"}, "email_taken"),
             ({"email": "not-an-email", "full_name": "某人"}, "email_invalid"),
             ({"email": "a@x.cn", "full_name": "  "}, "name_required"),
             ({"email": "a@x.cn", "full_name": "某人", "role_names": ["皇帝"]}, "role_unknown"),
             ({"email": "a@x.cn", "full_name": "某人", "departments": [999999]}, "department_unknown")]
    for data, code in cases:
        with pytest.raises(ApplicationError) as refused:
            services.user_invite(actor=company.admin, **data)
        assert refused.value.code == code, data
    assert not User.objects.filter(email="a@x.cn").exists()


def test_only_administrators_manage_users(company):
    for call in (lambda: services.user_invite(actor=company.supervisor, email="b@x.cn", full_name="乙"),
                 lambda: services.user_update(actor=company.owner, user=company.colleague, full_name="改名"),
                 lambda: services.user_deactivate(actor=company.supervisor, user=company.owner)):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.status == 403
    company.colleague.refresh_from_db()
    assert company.colleague.full_name == "李四" and User.objects.get(pk=company.owner.pk).is_active


def test_an_update_changes_name_roles_and_departments_and_records_what_changed(company):
    services.user_update(actor=company.admin, user=company.owner, full_name="张三丰",
                         role_names=[roles.SUPERVISOR, roles.CUSTODIAN], departments=[company.sales2])
    owner = User.objects.get(pk=company.owner.pk)
    assert owner.full_name == "张三丰" and _roles(owner) == {roles.SUPERVISOR, roles.CUSTODIAN}
    assert list(owner.departments.all()) == [company.sales2]
    event = AuditEvent.objects.filter(action="user.update").latest("seq")
    assert set(event.summary["changed"]) == {"name", "roles", "departments"}
    services.user_update(actor=company.admin, user=owner, full_name="张三丰")  # nothing else touched
    assert _roles(owner) == {roles.SUPERVISOR, roles.CUSTODIAN}


def test_deactivation_keeps_the_user_and_their_history(company, new_customer):
    customer = new_customer()
    services.user_deactivate(actor=company.admin, user=company.owner)
    owner = User.objects.get(pk=company.owner.pk)
    assert not owner.is_active and customer.owner_id == owner.pk
    with pytest.raises(ApplicationError) as twice:
        services.user_deactivate(actor=company.admin, user=owner)
    assert twice.value.code == "user_already_inactive"
    services.user_reactivate(actor=company.admin, user=owner)
    assert User.objects.get(pk=owner.pk).is_active
    assert AuditEvent.objects.filter(action__in=["user.deactivate", "user.reactivate"]).count() == 2


def test_the_company_always_keeps_an_active_administrator(company):
    with pytest.raises(ApplicationError) as itself:
        services.user_deactivate(actor=company.admin, user=company.admin)
    assert itself.value.code == "self_deactivation"
    second = User.objects.create_user(email="admin2@x.cn", password="pw-Admin2-2026", full_name="副管理员")
    second.groups.set(Group.objects.filter(name=roles.TENANT_ADMIN))
    # The signing-up person is a superuser; the second administrator holds the role.
    services.user_deactivate(actor=second, user=company.admin)
    with pytest.raises(ApplicationError) as last:
        services.user_update(actor=second, user=second, role_names=[roles.SALESPERSON])
    assert last.value.code == "last_admin"
    assert roles.TENANT_ADMIN in _roles(second)
