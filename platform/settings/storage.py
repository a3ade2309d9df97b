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
