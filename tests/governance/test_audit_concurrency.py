"""Concurrent writers in one company extend one chain: no fork, no gap, no duplicate."""
import threading

from django.db import connection, connections


def test_parallel_writers_never_fork_the_chain(committed, signup_data):
    from django_tenants.utils import schema_context

    from dangan.governance.services.audit import audit_record
    from dangan.governance.verification import verify_chain
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data())
    failures: list[str] = []
    barrier = threading.Barrier(4)

    def writer(index: int) -> None:
        try:
            with schema_context(tenant.schema_name):
                barrier.wait()
                for n in range(10):
                    audit_record(actor=None, action="test.parallel", summary={"writer": index, "n": n})
        except Exception as exc:  # every failure must show in the assertion below
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with schema_context(tenant.schema_name):
        report = verify_chain(check_storage=False)
    assert report["ok"] and report["events"] == 40 and report["head"]["seq"] == 40
    connection.set_schema_to_public()
