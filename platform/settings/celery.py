"""Celery: broker and result backend; the app itself is dangan.platform.celery_app."""
import environ
from celery.schedules import crontab

env = environ.Env()

# kombu's filesystem transport is the embedded default: no broker server. The host is ignored,
# but kombu warns on every new connection without one (devservices.services.EMBEDDED_BROKER_URL).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost//")
CELERY_BROKER_FOLDER = env("CELERY_BROKER_FOLDER", default="var/broker")
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": f"{CELERY_BROKER_FOLDER}/queue",
        "data_folder_out": f"{CELERY_BROKER_FOLDER}/queue",
        "processed_folder": f"{CELERY_BROKER_FOLDER}/processed",
        # Broadcast (pidbox) messages; kombu would otherwise make ./control in the working dir.
        "control_folder": f"{CELERY_BROKER_FOLDER}/control",
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task for another worker
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"

CELERY_BEAT_SCHEDULE = {
    # Signups queue a pool refill on commit; this catches any refill lost with a worker.
    "tenants-refill-schema-pool": {
        "task": "tenants.refill_schema_pool",
        "schedule": crontab(minute="*/5"),
    },
    # Daily at 06:30: overdue reviews and drafts flagged, owners reminded, inactive files archived.
    "archives-review-sweep": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(hour=6, minute=30),
        "args": ["archives.review_sweep"],
    },
    # One dispatcher fans periodic work out to every active tenant (platform/tasks.py).
    "tenant-usage-snapshot": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(minute=17),
        "args": ["tenants.record_usage"],
    },
    # Idempotency records are replayable for 24 h; hourly purging keeps at most ~25 h of them.
    "integrations-purge-idempotency-records": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(minute=43),
        "args": ["integrations.purge_idempotency_records"],
    },
    # Hourly: document rows against the bucket listing — orphan objects past their grace period
    # removed, missing objects flagged, expired uploads closed, stalled processing requeued.
    "documents-reconcile": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(minute=29),
        "args": ["documents.reconcile"],
    },
    # Hourly: each company's audit-chain head copied to the public schema and object storage, so
    # that a chain rewritten later is caught by verification (governance/verification.py).
    "governance-checkpoint-audit-chains": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(minute=51),
        "args": ["governance.checkpoint_audit_chain"],
    },
    # Daily at 08:05, as the working day starts: paper loans past their due date marked overdue,
    # borrowers reminded in the app and by e-mail (借阅登记); electronic loans past due closed.
    "governance-loan-overdue-sweep": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(hour=8, minute=5),
        "args": ["governance.loan_overdue_sweep"],
    },
    # Daily at 02:10: expired, unheld files onto the draft destruction list (销毁清册). Nothing is
    # destroyed without the company's approval chain.
    "governance-disposition-sweep": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(hour=2, minute=10),
        "args": ["governance.disposition_sweep"],
    },
}
