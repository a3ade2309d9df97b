"""Structured logs (structlog over the standard library): every line carries request id and tenant."""
import environ

env = environ.Env()

LOG_FORMAT = env("DANGAN_LOG_FORMAT", default="console")  # console | json
LOG_LEVEL = env("DANGAN_LOG_LEVEL", default="INFO")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "dangan.platform.logging.formatter_factory",
            "fmt": LOG_FORMAT,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
