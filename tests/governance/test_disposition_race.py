"""Two people of the same role approving the same step at the same moment: exactly one
decision lands, the other is refused (the batch row is locked while a decision is made)."""
import datetime as dt
import threading

from django.contrib.auth.models import Group
from django.db import connection, connections
from django.utils import timezone

from dangan.accounts import roles


def test_two_approvals_racing_for_one_step(committed, signup_data):
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User
    from dangan.archives.models import Customer, Department
    from dangan.archives.services import lifecycle
    from dangan.archives.services.customers import customer_create
    from dangan.governance.models import DispositionApproval, DispositionBatch
    from dangan.governance.services import disposition
    from dangan.governance.services.retention import retention_recompute
    from dangan.platform.errors import ApplicationError
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data())

    def user(email, *role_names):
        person = User.objects.create_user(email=email, password="pw-Race-2026", full_name=email.split("@")[0])
        person.groups.set(Group.objects.filter(name__in=role_names))
        return person

    with schema_context(tenant.schema_name):
        owner, chief = user("owner@r.cn", roles.SALESPERSON), user("chief@r.cn", roles.SUPERVISOR)
        custodian = user("keeper@r.cn", roles.CUSTODIAN)
        offices = [user("office1@r.cn", roles.OFFICE), user("office2@r.cn", roles.OFFICE)]
        Department.objects.get(code="sales1").members.set([owner, chief])
        customer = customer_create(actor=owner, category="gr", name="竞态客户")
        lifecycle.customer_submit(actor=owner, customer=customer)
        lifecycle.customer_approve(actor=chief, customer=customer)
        lifecycle.customer_file(actor=custodian, customer=customer)
        Customer.objects.filter(pk=customer.pk).update(filed_at=timezone.now() - dt.timedelta(days=366 * 6))
        retention_recompute(customer=customer)
        disposition.disposition_sweep()
        batch = disposition.disposition_batch_submit(actor=custodian, batch=DispositionBatch.objects.get())
        disposition.disposition_batch_approve(actor=chief, batch=batch, step=0)

    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve(person) -> None:
        try:
            with schema_context(tenant.schema_name):
                barrier.wait()
                disposition.disposition_batch_approve(actor=person, batch=batch, step=1)
                outcomes.append("approved")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # every failure must show in the assertion below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(person,)) for person in offices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "disposition_step_decided"]
    with schema_context(tenant.schema_name):
        assert DispositionApproval.objects.filter(batch=batch, step=1).count() == 1
        assert DispositionBatch.objects.get(pk=batch.pk).current_step == 2
    connection.set_schema_to_public()
