"""pytest: real PostgreSQL, S3 server and Celery broker, started by `make test`."""
from .base import *  # noqa: F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Tests manage the pool explicitly; tests/tenants/test_pool_refill.py turns the refill on.
DANGAN_SCHEMA_POOL_REFILL_ON_SIGNUP = False
LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# pytest-xdist runs several test processes, each with its own test database: give each its own
# bucket and Celery queue too, so their workers and objects never meet.
import os  # noqa: E402

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
S3_BUCKET = f"{S3_BUCKET}-test-{_WORKER}"  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"dangan-test-{_WORKER}"
if CELERY_BROKER_URL.startswith("filesystem"):  # noqa: F405
    _folder = f"{CELERY_BROKER_FOLDER}/{_WORKER}"  # noqa: F405
    os.makedirs(f"{_folder}/queue", exist_ok=True)
    os.makedirs(f"{_folder}/processed", exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": f"{_folder}/queue", "data_folder_out": f"{_folder}/queue",
        "processed_folder": f"{_folder}/processed", "store_processed": False,
        "control_folder": f"{_folder}/control",
    }
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
