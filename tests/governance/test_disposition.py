"""Disposition (R7): the daily sweep lists expired, unheld files; a multi-level approval chain
decides: each step by a different person holding the step's role at that moment, never the
submitter; races, replays, lost roles and rejections handled."""
import pytest
from django.contrib.auth.models import Group

from dangan.accounts import roles
from dangan.governance.models import DispositionApproval, DispositionBatch, DispositionItem
from dangan.governance.services import disposition, retention
from dangan.platform.errors import ApplicationError


@pytest.fixture
def chain(company, person):
    """The default chain's role holders: 主管 → 办公室 → 总经理."""
    from types import SimpleNamespace

    return SimpleNamespace(chief=company.supervisor, office=person("office@x.cn", "办公室甲", roles.OFFICE),
                           manager=person("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER),
                           office2=person("office2@x.cn", "办公室乙", roles.OFFICE))


@pytest.fixture
def listed(company, filed_customer):
    """A draft destruction list holding one expired file (filed six years ago)."""
    expired = filed_customer(years_ago=6)
    current = filed_customer(name="新客户药店")
    result = disposition.disposition_sweep()
    assert result["added"] == 1
    batch = DispositionBatch.objects.get()
    assert list(batch.items.values_list("customer_id", flat=True)) == [expired.pk]
    assert current.retain_until > expired.retain_until
    return batch


def _code(callable_, **kwargs) -> str:
    with pytest.raises(ApplicationError) as caught:
        callable_(**kwargs)
    return caught.value.code


def test_the_sweep_lists_expired_files_once_and_skips_held_ones(company, person, filed_customer):
    first = filed_customer(years_ago=6)
    held = filed_customer(years_ago=7, name="保全药店")
    retention.legal_hold_set(actor=company.admin, customer=held, reason="诉讼中")
    assert disposition.disposition_sweep()["added"] == 1
    assert disposition.disposition_sweep() == {"added": 0}  # already listed
    later = filed_customer(years_ago=8, name="后来的药店")
    assert disposition.disposition_sweep()["added"] == 1
    batch = DispositionBatch.objects.get()  # one draft at a time
    assert set(batch.items.values_list("customer_id", flat=True)) == {first.pk, later.pk}
    retention.legal_hold_set(actor=company.admin, customer=later, reason="新诉讼")
    assert batch.items.get(customer=later).outcome == DispositionItem.Outcome.EXCLUDED


def test_the_full_chain_approves_in_order(company, chain, listed):
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    assert [s["role"] for s in batch.steps] == [roles.SUPERVISOR, roles.OFFICE, roles.GENERAL_MANAGER]
    batch = disposition.disposition_batch_approve(actor=chain.chief, batch=batch, step=0)
    batch = disposition.disposition_batch_approve(actor=chain.office, batch=batch, step=1)
    assert batch.stage == "pending" and batch.current_step == 2
    batch = disposition.disposition_batch_approve(actor=chain.manager, batch=batch, step=2, reason="同意销毁")
    assert batch.stage == "approved"
    approvals = list(DispositionApproval.objects.filter(batch=batch).order_by("step"))
    assert [(a.role, a.approver_snapshot["name"]) for a in approvals] == [
        (roles.SUPERVISOR, "赵主管"), (roles.OFFICE, "办公室甲"), (roles.GENERAL_MANAGER, "总经理甲")]
    assert approvals[0].approver_snapshot["departments"][0]["code"] == "sales1"


def test_only_keepers_submit_and_never_an_empty_list(company, chain, listed):
    assert _code(disposition.disposition_batch_submit, actor=company.owner, batch=listed) == "not_custodian"
    listed.items.update(outcome=DispositionItem.Outcome.EXCLUDED)
    assert _code(disposition.disposition_batch_submit, actor=company.custodian, batch=listed) == \
        "disposition_batch_empty"


def test_a_step_needs_its_role(company, chain, listed):
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    for wrong in (chain.office, chain.manager, company.owner, company.admin):
        assert _code(disposition.disposition_batch_approve, actor=wrong, batch=batch, step=0) == \
            "disposition_role_required"


def test_nobody_approves_a_list_they_submitted(company, chain, listed):
    company.custodian.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    assert _code(disposition.disposition_batch_approve, actor=company.custodian, batch=batch, step=0) == \
        "self_approval_forbidden"


def test_each_step_by_a_different_person(company, chain, listed):
    chain.chief.groups.add(Group.objects.get(name=roles.OFFICE))  # holds both roles
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    batch = disposition.disposition_batch_approve(actor=chain.chief, batch=batch, step=0)
    assert _code(disposition.disposition_batch_approve, actor=chain.chief, batch=batch, step=1) == \
        "disposition_same_approver"
    disposition.disposition_batch_approve(actor=chain.office, batch=batch, step=1)


def test_an_approval_after_losing_the_role_is_refused(company, chain, listed):
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    batch = disposition.disposition_batch_approve(actor=chain.chief, batch=batch, step=0)
    office = chain.office
    from dangan.accounts.roles import role_names

    assert roles.OFFICE in role_names(office)  # the request's cached roles still say yes …
    office.groups.remove(Group.objects.get(name=roles.OFFICE))
    assert _code(disposition.disposition_batch_approve, actor=office, batch=batch, step=1) == \
        "disposition_role_required"  # … the database says no


def test_a_replayed_approval_is_refused(company, chain, listed):
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    disposition.disposition_batch_approve(actor=chain.chief, batch=batch, step=0)
    # The same request again (a double click, a retried POST): step 0 is decided.
    assert _code(disposition.disposition_batch_approve, actor=chain.chief, batch=batch, step=0) == \
        "disposition_step_decided"
    assert DispositionApproval.objects.filter(batch=batch).count() == 1


def test_a_rejection_returns_the_list_with_the_reason_and_a_new_round_starts(company, chain, listed):
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    batch = disposition.disposition_batch_approve(actor=chain.chief, batch=batch, step=0)
    assert _code(disposition.disposition_batch_reject, actor=chain.office, batch=batch, step=1, reason=" ") == \
        "reason_required"
    batch = disposition.disposition_batch_reject(actor=chain.office, batch=batch, step=1, reason="需复核两份档案")
    assert (batch.stage, batch.returned_reason) == ("draft", "需复核两份档案")
    assert _code(disposition.disposition_batch_approve, actor=chain.office2, batch=batch, step=1) == \
        "disposition_stage_invalid"
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=batch)
    assert (batch.round, batch.current_step) == (2, 0)
    batch = disposition.disposition_batch_approve(actor=chain.chief, batch=batch, step=0)  # a new round
    assert DispositionApproval.objects.filter(batch=batch).count() == 3


def test_the_company_configures_its_chain(company, chain, listed, person):
    deputy = person("dgm@x.cn", "副总甲", roles.DEPUTY_MANAGER)
    assert _code(disposition.disposition_chain_set, actor=company.custodian, steps=[{"role": roles.OFFICE}]) == \
        "permission_denied"
    assert _code(disposition.disposition_chain_set, actor=company.admin, steps=[{"role": "不存在"}]) == "role_unknown"
    assert _code(disposition.disposition_chain_set, actor=company.admin, steps=[]) == "disposition_chain_invalid"
    disposition.disposition_chain_set(actor=company.admin, steps=[{"role": roles.DEPUTY_MANAGER, "label": "副总审批"}])
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    assert batch.steps == [{"role": roles.DEPUTY_MANAGER, "label": "副总审批"}]
    disposition.disposition_chain_set(actor=company.admin, steps=[{"role": roles.OFFICE}])
    batch = disposition.disposition_batch_approve(actor=deputy, batch=batch, step=0)  # keeps its own chain
    assert batch.stage == "approved"


def test_a_rejected_list_takes_in_a_draft_made_meanwhile(company, chain, listed, filed_customer):
    batch = disposition.disposition_batch_submit(actor=company.custodian, batch=listed)
    newer = filed_customer(years_ago=7, name="后到期药店")
    assert disposition.disposition_sweep()["added"] == 1  # a new draft, the first list being pending
    assert DispositionBatch.objects.filter(stage="draft").count() == 1
    batch = disposition.disposition_batch_reject(actor=chain.chief, batch=batch, step=0, reason="一并处理")
    (draft,) = DispositionBatch.objects.filter(stage="draft")
    assert draft.pk == batch.pk and newer.pk in set(draft.items.values_list("customer_id", flat=True))
