"""Object storage: one bucket, every key under the tenant's schema name (documents/storage.py)."""
import environ

env = environ.Env()

S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default="http://127.0.0.1:9100")
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID", default="dangan-dev")
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY", default="dangan-dev-secret")
S3_BUCKET = env("S3_BUCKET", default="dangan")
S3_REGION = env("S3_REGION", default="us-east-1")
# Development servers start with no bucket; production buckets are made by infrastructure code.
S3_CREATE_BUCKET = env.bool("S3_CREATE_BUCKET", default=True)
# Presigned URLs are short-lived: a leaked link stops working within minutes.
S3_PRESIGN_SECONDS = env.int("S3_PRESIGN_SECONDS", default=300)

STORAGES = {
    "default": {"BACKEND": "dangan.documents.storage.TenantS3Storage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- documents (documents/): uploads, processing, reconciliation ---------------------------------
# Platform-wide cap on one file; a company's plan (tenants.Plan.max_storage_mb) caps it further.
# 5 GiB is the largest object a single CopyObject can promote out of quarantine.
DOCUMENTS_MAX_FILE_MB = min(env.int("DOCUMENTS_MAX_FILE_MB", default=1024), 5120)
# Direct uploads above this size go multipart: one presigned URL per part, so a dropped
# connection costs one part, not the whole file.
DOCUMENTS_MULTIPART_THRESHOLD_MB = env.int("DOCUMENTS_MULTIPART_THRESHOLD_MB", default=64)
# S3 parts are ≥ 5 MiB (but the last); 16 MiB keeps a 1 GB file at 64 URLs.
DOCUMENTS_MULTIPART_PART_MB = max(env.int("DOCUMENTS_MULTIPART_PART_MB", default=16), 5)
# Upload URLs live longer than download links (a 1 GB upload over a slow line takes a while);
# a pending upload not completed by then is expired by the reconciler.
DOCUMENTS_UPLOAD_URL_SECONDS = env.int("DOCUMENTS_UPLOAD_URL_SECONDS", default=3600)
# Objects without a row (a web process that died between presign and commit, a worker killed
# after a copy) are removed once this old: long enough for any upload still in flight.
DOCUMENTS_ORPHAN_GRACE_HOURS = env.int("DOCUMENTS_ORPHAN_GRACE_HOURS", default=24)
# A version stuck in verification or processing this long lost its task (a killed worker on a
# broker without redelivery): the reconciler queues it again.
DOCUMENTS_STALLED_MINUTES = env.int("DOCUMENTS_STALLED_MINUTES", default=30)
# Virus scanning through clamd; unset = no scanner (status "not_configured"). When set, a
# scanner that cannot be reached keeps files out of "available" (fail closed).
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
CLAMD_HOST = env("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT_SECONDS = env.int("CLAMD_TIMEOUT_SECONDS", default=60)
# OCR languages for Tesseract (simplified Chinese first: the scans are Chinese paperwork).
DOCUMENTS_OCR_LANGUAGES = env("DOCUMENTS_OCR_LANGUAGES", default="chi_sim+eng")
# Tesseract's language data; empty: TESSDATA_PREFIX, else where Debian and others put it (documents/ocr.py).
DOCUMENTS_TESSDATA_DIR = env("DOCUMENTS_TESSDATA_DIR", default="")
# Fault injection for the crash tests only: seconds the processing step sleeps before it
# makes a version available, so a test can kill the worker in that window. Always 0 in use.
DOCUMENTS_FAULT_PAUSE_SECONDS = env.float("DOCUMENTS_FAULT_PAUSE_SECONDS", default=0)
