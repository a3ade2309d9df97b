"""Archive work off the request: periodic sweeps (one message per company through
platform.dispatch_to_tenants), imports, exports and notification e-mails."""
from smtplib import SMTPException

from dangan.platform.tasks import tenant_task


@tenant_task(name="archives.review_sweep")
def review_sweep() -> dict:
    from .services.lifecycle import review_sweep as sweep

    return sweep()


@tenant_task(name="archives.run_import")
def run_import(job_id: int) -> dict | None:
    """One phase (dry run or apply) of a bulk import; see archives/services/imports.py."""
    from .services.imports import import_job_run

    job = import_job_run(job_id=job_id)
    return None if job is None else {"job": job.pk, "state": job.state, "rows": job.processed_rows}


@tenant_task(name="archives.run_export")
def run_export(record_id: int) -> dict:
    """A large filtered list written to .xlsx; see archives/services/exports.py."""
    from .services.exports import export_run

    record = export_run(record_id=record_id)
    return {"export": record.pk, "state": record.state, "rows": record.row_count}


# A mail server that refuses or does not answer is tried again later; a message it took is not
# taken back, so a retry after a partial send may repeat one (at least once, never lost quietly).
@tenant_task(name="archives.send_notification_mails", autoretry_for=(SMTPException, OSError), retry_backoff=True,
             max_retries=5)
def send_notification_mails(mails: list) -> int:
    """The e-mails of notifications (archives/services/notifications.py): [subject, body,
    sender, [address]] each, one person per message."""
    from django.core.mail import send_mass_mail

    return send_mass_mail([tuple(mail) for mail in mails], fail_silently=False)
