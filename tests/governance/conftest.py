import pytest
from django.contrib.auth.models import Group

from dangan.accounts import roles


@pytest.fixture
def person(company):
    """Another person of the company, with the given roles (and departments)."""
    from dangan.accounts.models import User

    def make(email, name, *role_names, departments=()):
        user = User.objects.create_user(email=email, password="pw-Governance-2026", full_name=name)
        user.groups.set(Group.objects.filter(name__in=role_names))
        for department in departments:
            department.members.add(user)
        return user

    return make


@pytest.fixture
def auditor(person):
    return person("audit@x.cn", "周审计", roles.AUDITOR)



@pytest.fixture
def filed_customer(company, new_customer):
    """A filed file, `years_ago` filed (its retention recomputed from then)."""
    import datetime as dt

    from django.utils import timezone

    from dangan.archives.models import Customer
    from dangan.archives.services import lifecycle
    from dangan.governance.services.retention import retention_recompute

    def make(years_ago: int = 0, **overrides):
        customer = new_customer(**overrides)
        lifecycle.customer_submit(actor=customer.owner, customer=customer)
        lifecycle.customer_approve(actor=company.supervisor, customer=customer)
        lifecycle.customer_file(actor=company.custodian, customer=customer)
        if years_ago:
            Customer.objects.filter(pk=customer.pk).update(
                filed_at=timezone.now() - dt.timedelta(days=366 * years_ago))
        retention_recompute(customer=customer)
        return Customer.objects.get(pk=customer.pk)

    return make
