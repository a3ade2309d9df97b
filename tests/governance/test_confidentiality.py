"""Confidentiality (密级) through the services and selectors: the catalogue, who sets levels,
the viewing rule (clearance + membership, or a live grant), access requests and their forbidden
cases, the grant interface the borrowing register uses, and exports that never carry a
classified file."""
import datetime as dt
import io

import pytest
from django.utils import timezone

from dangan.accounts import roles
from dangan.accounts.models import User
from dangan.archives import selectors as archive_selectors
from dangan.governance import selectors
from dangan.governance.models import AccessGrant, AccessRequest, AuditEvent, ConfidentialityLevel
from dangan.governance.services import confidentiality as conf
from dangan.platform.errors import ApplicationError
from tests.documents.conftest import clean_bucket, store  # noqa: F401


def code_of(call) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code


def fresh(user):
    return User.objects.get(pk=user.pk)


def sees(user, customer) -> bool:
    return archive_selectors.customers_visible_to(fresh(user)).filter(pk=customer.pk).exists()


def level(code: str) -> ConfidentialityLevel:
    return ConfidentialityLevel.objects.get(code=code)


@pytest.fixture
def deputy(person):
    return person("fu@x.cn", "冯副总", roles.DEPUTY_MANAGER)


@pytest.fixture
def classified(company, new_customer):
    """A file of 销售一部 owned by 张三, classified 秘密 by the custodian."""
    customer = new_customer(name="机密客户甲")
    return conf.customer_confidentiality_set(actor=company.custodian, customer=customer, level=level("secret"),
                                             reason="涉及商业秘密")


def test_a_new_company_has_the_default_levels_and_approvers(company):
    assert [(lv.code, lv.name, lv.requires_approval) for lv in selectors.confidentiality_levels()] == [
        ("public", "公开", False), ("internal", "内部", False), ("secret", "秘密", True), ("confidential", "机密", True)]
    assert selectors.confidentiality_policy().approver_roles == [roles.DEPUTY_MANAGER, roles.GENERAL_MANAGER]


def test_only_custodians_and_administrators_set_a_level_with_a_reason_and_an_audit_event(company, new_customer):
    customer = new_customer()
    for outsider in (company.owner, company.supervisor):
        assert code_of(lambda: conf.customer_confidentiality_set(
            actor=outsider, customer=customer, level=level("secret"), reason="x")) == "confidentiality_not_allowed"
    assert code_of(lambda: conf.customer_confidentiality_set(
        actor=company.custodian, customer=customer, level=level("secret"), reason="  ")) == "reason_required"
    conf.customer_confidentiality_set(actor=company.admin, customer=customer, level=level("confidential"),
                                      reason="重大合同")
    customer.refresh_from_db()
    assert customer.confidentiality.code == "confidential"
    event = AuditEvent.objects.filter(action="confidentiality.customer_set").latest("seq")
    assert event.summary["to"] == "confidential" and event.summary["reason"] == "重大合同"
    # Cleared again (None): unclassified, visible to its owner as before.
    conf.customer_confidentiality_set(actor=company.custodian, customer=customer, level=None, reason="解密")
    assert sees(company.owner, customer)


def test_a_file_without_an_owning_department_cannot_be_classified(company, new_customer):
    from dangan.archives.models import Customer

    customer = new_customer()
    Customer.objects.filter(pk=customer.pk).update(department=None)
    customer.refresh_from_db()
    assert code_of(lambda: conf.customer_confidentiality_set(
        actor=company.custodian, customer=customer, level=level("secret"), reason="x")) == \
        "confidentiality_needs_department"
    # 内部 needs no approval, hence no department.
    conf.customer_confidentiality_set(actor=company.custodian, customer=customer, level=level("internal"), reason="x")
    assert sees(company.owner, customer)


def test_the_catalogue_is_renamable_and_stays_consistent(company, classified):
    renamed = conf.level_update(actor=company.admin, level=level("secret"), name="商业秘密")
    assert (renamed.code, renamed.name) == ("secret", "商业秘密")
    assert code_of(lambda: conf.level_update(actor=company.custodian, level=level("secret"), name="x")) == \
        "permission_denied"
    # Approval from some rank upwards: an approval-free level above a classified one is refused.
    assert code_of(lambda: conf.level_update(actor=company.admin, level=level("public"),
                                             requires_approval=True)) == "confidentiality_levels_not_monotonic"
    assert code_of(lambda: conf.level_create(actor=company.admin, code="top", name="绝密", rank=30)) == \
        "confidentiality_level_taken"
    top = conf.level_create(actor=company.admin, code="top", name="绝密", rank=40, requires_approval=True)
    assert code_of(lambda: conf.level_delete(actor=company.admin, level=level("secret"))) == \
        "confidentiality_level_in_use"
    conf.level_delete(actor=company.admin, level=top)
    assert not ConfidentialityLevel.objects.filter(code="top").exists()


def test_a_classified_file_does_not_exist_for_anyone_without_access(company, classified, new_customer, deputy):
    plain = new_customer(name="普通客户乙")
    for user in (company.owner, company.colleague, company.supervisor, company.custodian, company.admin, deputy):
        assert not sees(user, classified)
        assert archive_selectors.customer_detail(user=fresh(user), pk=classified.pk) is None
        assert classified.pk not in {c.pk for c in archive_selectors.customer_list(user=fresh(user),
                                                                                    filters={"q": "机密客户甲"})}
    assert sees(company.owner, plain)
    # Ordinary scoping is unchanged: the owner may still ask for access.
    assert archive_selectors.customers_in_scope(company.owner).filter(pk=classified.pk).exists()
    # The register says that it exists — number and level, no content — to keepers, and to
    # those who could ask to read it (in scope, of its department); to nobody else.
    assert [c.pk for c in selectors.classified_files(user=company.custodian)] == [classified.pk]
    assert [c.pk for c in selectors.classified_files(user=fresh(company.owner))] == [classified.pk]
    assert not selectors.classified_files(user=fresh(company.outsider)).exists()
    assert not selectors.classified_files(user=fresh(deputy)).exists()  # sees all files, of no department


def test_clearance_opens_a_file_only_with_membership_of_its_department(company, classified, deputy):
    conf.clearance_set(actor=company.admin, user=company.supervisor, level=level("secret"), reason="销售一部主管")
    conf.clearance_set(actor=company.admin, user=deputy, level=level("confidential"), reason="副总")
    conf.clearance_set(actor=company.admin, user=company.colleague, level=level("internal"), reason="业务员")
    assert sees(company.supervisor, classified)  # member (and manager) of 销售一部, clearance ≥ 秘密
    assert not sees(deputy, classified)  # cleared higher, but not of the department
    assert not sees(company.colleague, classified)  # of the department, clearance below
    conf.customer_confidentiality_set(actor=company.custodian, customer=classified, level=level("confidential"),
                                      reason="升级")
    assert not sees(company.supervisor, classified)
    assert code_of(lambda: conf.clearance_set(actor=company.custodian, user=company.owner, level=level("secret"),
                                              reason="x")) == "permission_denied"
    assert code_of(lambda: conf.clearance_set(actor=company.admin, user=company.admin, level=level("secret"),
                                              reason="x")) == "access_grant_self"


def test_an_approved_request_opens_the_file_for_the_days_asked_then_it_closes(company, classified, deputy):
    request = conf.access_request_create(actor=company.owner, customer=classified, reason="核对合同条款", days=3)
    assert list(selectors.access_requests_to_decide(user=deputy)) == [request]
    assert not selectors.access_requests_to_decide(user=company.supervisor).exists()
    assert not selectors.access_requests_to_decide(user=company.owner).exists()
    assert code_of(lambda: conf.access_request_approve(actor=company.owner, request=request)) == \
        "access_request_self_approval"
    assert code_of(lambda: conf.access_request_approve(actor=company.supervisor, request=request)) == \
        "access_request_approver_role"
    assert not sees(company.owner, classified)

    approved = conf.access_request_approve(actor=deputy, request=request, reason="同意")
    grant = approved.grant
    assert approved.state == AccessRequest.State.APPROVED and roles.DEPUTY_MANAGER in \
        approved.decided_by_snapshot["roles"]
    assert (grant.user_id, grant.customer_id, grant.source, grant.source_id) == (
        company.owner.pk, classified.pk, "request", str(request.pk))
    assert abs((grant.until - timezone.now()) - dt.timedelta(days=3)) < dt.timedelta(minutes=1)
    assert sees(company.owner, classified) and selectors.has_live_access_grant(company.owner, classified)
    assert not sees(company.colleague, classified)  # the grant is the requester's alone
    assert {"confidentiality.request", "confidentiality.grant", "confidentiality.request_approve"} <= set(
        AuditEvent.objects.values_list("action", flat=True))
    # Replayed or late decisions land nowhere.
    assert code_of(lambda: conf.access_request_approve(actor=deputy, request=request)) == "access_request_decided"
    assert code_of(lambda: conf.access_request_reject(actor=deputy, request=request, reason="x")) == \
        "access_request_decided"
    # Time runs out: the file is gone again.
    AccessGrant.objects.filter(pk=grant.pk).update(until=timezone.now() - dt.timedelta(seconds=1))
    assert not sees(company.owner, classified) and not selectors.has_live_access_grant(company.owner, classified)


def test_requests_from_outside_the_department_or_for_open_files_are_refused(company, classified, new_customer,
                                                                          person):
    manager = person("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER)  # sees every file, belongs to no department
    assert code_of(lambda: conf.access_request_create(actor=manager, customer=classified, reason="x", days=1)) == \
        "access_request_not_member"
    assert code_of(lambda: conf.access_request_create(actor=company.outsider, customer=classified, reason="x",
                                                      days=1)) == "not_found"
    plain = new_customer(name="普通客户乙")
    assert code_of(lambda: conf.access_request_create(actor=company.owner, customer=plain, reason="x", days=1)) == \
        "access_request_not_classified"
    for days in (0, 31):
        assert code_of(lambda: conf.access_request_create(actor=company.owner, customer=classified, reason="x",
                                                          days=days)) == "access_request_days_invalid"
    assert code_of(lambda: conf.access_request_create(actor=company.owner, customer=classified, reason=" ",
                                                      days=2)) == "reason_required"


def test_a_rejection_needs_a_reason_and_grants_nothing(company, classified, deputy):
    request = conf.access_request_create(actor=company.owner, customer=classified, reason="查看", days=2)
    assert code_of(lambda: conf.access_request_reject(actor=deputy, request=request, reason="")) == "reason_required"
    rejected = conf.access_request_reject(actor=deputy, request=request, reason="理由不充分")
    assert rejected.state == AccessRequest.State.REJECTED and rejected.grant is None
    assert not sees(company.owner, classified) and not AccessGrant.objects.exists()


def test_the_approver_roles_are_the_companys_choice_and_are_read_when_deciding(company, classified, deputy):
    assert code_of(lambda: conf.policy_set(actor=company.custodian, approver_roles=[roles.GENERAL_MANAGER])) == \
        "permission_denied"
    assert code_of(lambda: conf.policy_set(actor=company.admin, approver_roles=["不存在的角色"])) == \
        "confidentiality_approver_roles_invalid"
    conf.policy_set(actor=company.admin, approver_roles=[roles.GENERAL_MANAGER])
    request = conf.access_request_create(actor=company.owner, customer=classified, reason="查看", days=2)
    assert code_of(lambda: conf.access_request_approve(actor=deputy, request=request)) == \
        "access_request_approver_role"
    conf.policy_set(actor=company.admin, approver_roles=[roles.DEPUTY_MANAGER])
    deputy.groups.clear()  # the role lost before deciding: refused, whatever the object remembers
    assert code_of(lambda: conf.access_request_approve(actor=deputy, request=request)) == \
        "access_request_approver_role"


def test_the_grant_interface_for_electronic_loans(company, classified, new_customer):
    until = timezone.now() + dt.timedelta(days=7)
    grant = conf.grant_time_boxed_access(actor=company.custodian, user=company.owner, customer=classified,
                                         until=until, reason="借阅 JY-0001", source="borrowing", source_id=42)
    assert (grant.source, grant.source_id, grant.granted_by["id"]) == ("borrowing", "42", company.custodian.pk)
    assert selectors.has_live_access_grant(company.owner, classified) and sees(company.owner, classified)
    assert code_of(lambda: conf.revoke_access_grant(actor=company.colleague, grant=grant, reason="x")) == \
        "access_grant_revoke_not_allowed"
    revoked = conf.revoke_access_grant(actor=company.custodian, grant=grant, reason="已归还")
    assert revoked.revoked_at is not None and revoked.revoked_by["id"] == company.custodian.pk
    assert not selectors.has_live_access_grant(company.owner, classified) and not sees(company.owner, classified)
    assert code_of(lambda: conf.revoke_access_grant(actor=company.custodian, grant=grant, reason="x")) == \
        "access_grant_revoked"

    def grant_to(user, **overrides):
        values = {"actor": company.custodian, "user": user, "customer": classified, "until": until,
                  "reason": "借阅", "source": "borrowing"}
        values.update(overrides)
        return lambda: conf.grant_time_boxed_access(**values)

    assert code_of(grant_to(company.custodian)) == "access_grant_self"
    assert code_of(grant_to(company.owner, until=timezone.now() - dt.timedelta(minutes=1))) == \
        "access_grant_until_invalid"
    assert code_of(grant_to(company.owner, until=timezone.now() + dt.timedelta(days=400))) == \
        "access_grant_until_invalid"
    assert code_of(grant_to(company.owner, until=dt.datetime(2099, 1, 1))) == "access_grant_until_invalid"  # naive
    assert code_of(grant_to(company.owner, source="gift")) == "access_grant_source_invalid"
    assert code_of(grant_to(company.owner, reason="")) == "reason_required"
    # Only members of the owning department, for a classified file.
    assert code_of(grant_to(company.outsider)) == "access_request_not_member"
    plain = new_customer(name="普通客户乙")
    assert conf.grant_time_boxed_access(actor=company.custodian, user=company.outsider, customer=plain, until=until,
                                        reason="借阅", source="borrowing").pk


def test_exports_never_carry_a_classified_file_even_for_a_cleared_viewer(company, classified, new_customer,
                                                                       clean_bucket, store):  # noqa: F811
    from openpyxl import load_workbook

    from dangan.archives.services.exports import export_start

    new_customer(name="普通客户乙")
    conf.clearance_set(actor=company.admin, user=company.supervisor, level=level("secret"), reason="主管")
    supervisor = fresh(company.supervisor)
    assert sees(supervisor, classified)
    record = export_start(actor=supervisor, filters={})
    assert record.state == "done"
    workbook = load_workbook(io.BytesIO(b"".join(store.iter_chunks(record.file_key))), read_only=True)
    cells = {value for row in workbook.active.iter_rows(values_only=True) for value in row}
    assert "普通客户乙" in cells and "机密客户甲" not in cells and classified.archive_number not in cells
    assert record.row_count == archive_selectors.customer_list(user=supervisor).count() - 1
