"""Fixtures of the archives tests, shared with tests/api/ (registered in tests/conftest.py)."""
"""A company with the people of an archive workflow, the connection inside its schema."""
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from dangan.accounts import roles


@pytest.fixture
def company(make_tenant):
    tenant = make_tenant(company_name="华东医药销售有限公司")
    connection.set_tenant(tenant)
    from dangan.accounts.models import User
    from dangan.archives.models import Department

    def user(email, name, *role_names):
        person = User.objects.create_user(email=email, password="pw-Archive-2026", full_name=name)
        person.groups.set(Group.objects.filter(name__in=role_names))
        return person

    sales1 = Department.objects.get(code="sales1")
    sales2 = Department.objects.get(code="sales2")
    people = SimpleNamespace(
        tenant=tenant,
        admin=User.objects.get(email=tenant.admin_email),
        owner=user("zhang@x.cn", "张三", roles.SALESPERSON),
        colleague=user("li@x.cn", "李四", roles.SALESPERSON),
        outsider=user("wang@x.cn", "王五", roles.SALESPERSON),
        supervisor=user("zhao@x.cn", "赵主管", roles.SUPERVISOR),
        other_supervisor=user("qian@x.cn", "钱主管", roles.SUPERVISOR),
        custodian=user("sun@x.cn", "孙档案", roles.CUSTODIAN),
        sales1=sales1,
        sales2=sales2,
    )
    sales1.members.set([people.owner, people.colleague, people.supervisor])
    sales1.manager = people.supervisor
    sales1.save()
    sales2.members.set([people.outsider, people.other_supervisor])
    return people


@pytest.fixture
def new_customer(company):
    from dangan.archives.services.customers import customer_create

    def make(**overrides):
        data = {"category": "jxs", "name": "北京同仁堂药店", "region": "east", "grade": "A",
                "department": company.sales1.pk,
                "contacts": [{"name": "王经理", "phone": "13812345678", "email": "wang@trt.cn", "position": "店长"}]}
        data.update(overrides)
        actor = data.pop("actor", company.owner)
        return customer_create(actor=actor, **data)

    return make


@pytest.fixture
def other_company(make_tenant):
    """A second company with one customer file of its own; the connection is put back where it was."""
    from dangan.accounts.models import User
    from dangan.archives.models import Department
    from dangan.archives.services.customers import customer_create

    previous = connection.tenant
    connection.set_schema_to_public()
    tenant = make_tenant(company_name="别家医药有限公司")
    connection.set_tenant(tenant)
    customer_create(actor=User.objects.get(email=tenant.admin_email), category="jxs", name="别家药店",
                    region="east", grade="A", department=Department.objects.get(code="sales1").pk)
    connection.set_tenant(previous)
    return tenant
