"""Celery: broker and result backend; the app itself is dangan.platform.celery_app."""
import environ
from celery.schedules import crontab

env = environ.Env()

# `filesystem://` (kombu's filesystem transport) is the embedded default: no broker server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
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
    # One dispatcher fans periodic work out to every active tenant (platform/tasks.py).
    "tenant-usage-snapshot": {
        "task": "platform.dispatch_to_tenants",
        "schedule": crontab(minute=17),
        "args": ["tenants.record_usage"],
    },
}
