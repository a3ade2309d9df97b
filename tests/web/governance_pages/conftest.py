"""Fixtures of the governance pages: people holding the chain's roles, an auditor, and a
draft destruction list holding one expired file."""
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from dangan.accounts import roles


@pytest.fixture
def person(company):
    from dangan.accounts.models import User

    def make(email, name, *role_names):
        user = User.objects.create_user(email=email, password="pw-Governance-2026", full_name=name)
        user.groups.set(Group.objects.filter(name__in=role_names))
        return user

    return make


@pytest.fixture
def chain(company, person):
    """The default chain's role holders: 主管 → 办公室 → 总经理."""
    return SimpleNamespace(chief=company.supervisor, office=person("office@x.cn", "办公室甲", roles.OFFICE),
                           manager=person("gm@x.cn", "总经理甲", roles.GENERAL_MANAGER))


@pytest.fixture
def auditor(person):
    return person("audit@x.cn", "周审计", roles.AUDITOR)


@pytest.fixture
def expired_file(company, new_customer):
    """A filed file whose retention ended long ago."""
    def make(**overrides):
        from dangan.archives.models import Customer
        from dangan.archives.services import lifecycle

        customer = new_customer(**overrides)
        lifecycle.customer_submit(actor=customer.owner, customer=customer)
        lifecycle.customer_approve(actor=company.supervisor, customer=customer)
        lifecycle.customer_file(actor=company.custodian, customer=customer)
        Customer.objects.filter(pk=customer.pk).update(retain_until="2020-01-01")
        return Customer.objects.get(pk=customer.pk)

    return make


@pytest.fixture
def listed(company, expired_file):
    """A draft destruction list (销毁清册) holding one expired file."""
    from dangan.governance.models import DispositionBatch
    from dangan.governance.services import disposition

    expired_file(name="到期药店")
    assert disposition.disposition_sweep()["added"] == 1
    return DispositionBatch.objects.get()
