"""Governance tasks: thin, tenant-bound; periodic ones fan out through platform.dispatch_to_tenants."""
from dangan.platform.tasks import tenant_task


@tenant_task(name="governance.checkpoint_audit_chain")
def checkpoint_audit_chain() -> dict:
    """Copy the audit-chain head to the public schema and object storage."""
    from .services.checkpoints import checkpoint_create

    return checkpoint_create()


@tenant_task(name="governance.disposition_sweep")
def disposition_sweep() -> dict:
    """Daily: expired, unheld files onto the draft destruction list."""
    from .services.disposition import disposition_sweep as sweep

    return sweep()


@tenant_task(name="governance.destroy_batch", acks_late=True)
def destroy_batch(batch_id: int) -> dict:
    """Destroy the files of a fully approved destruction list."""
    from .services.destruction import disposition_batch_execute

    return disposition_batch_execute(batch_id=batch_id)


@tenant_task(name="governance.loan_overdue_sweep")
def loan_overdue_sweep() -> dict:
    """Daily: paper loans past due marked overdue and their borrowers reminded; electronic
    loans past due closed."""
    from .services.borrowing import loan_overdue_sweep as sweep

    return sweep()
