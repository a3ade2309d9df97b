"""Settings shared by every environment. Concern-specific parts live in sibling modules.

Every variable read here is listed with its default in deploy/env.example.
"""
from pathlib import Path

import environ

REPO_ROOT = Path(__file__).resolve().parents[2]
env = environ.Env()

# `make run` exports the services' variables itself; a plain `manage.py` in another shell picks
# them up from the file the runner leaves behind.
_services_env = REPO_ROOT / "var" / "services.env"
if _services_env.exists():
    environ.Env.read_env(str(_services_env), overwrite=False)

VAR_DIR = Path(env("DANGAN_VAR_DIR", default=str(REPO_ROOT / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dangan-insecure-development-key")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[".localhost", "localhost", "127.0.0.1", "testserver", ".testserver"])

# The host under which tenants get their subdomains: acme.<DANGAN_BASE_DOMAIN>.
DANGAN_BASE_DOMAIN = env("DANGAN_BASE_DOMAIN", default="localhost")
# The port links in e-mails (invitations, password resets) carry after the company's host, when
# the site is not served on the scheme's own port: `make run` serves on 8000. Empty: none.
DANGAN_LINK_PORT = env("DANGAN_LINK_PORT", default="")
DANGAN_PUBLIC_HOSTS = env.list("DANGAN_PUBLIC_HOSTS", default=["localhost", "127.0.0.1", "testserver"])
# How long a process trusts its host → company lookup (dangan.tenants.middleware; 0: no cache).
# A suspension made in another process takes effect in this one at most that much later.
DANGAN_TENANT_CACHE_SECONDS = env.float("DANGAN_TENANT_CACHE_SECONDS", default=5.0)

from .tenants import *  # noqa: E402,F401,F403
from .storage import *  # noqa: E402,F401,F403
from .celery import *  # noqa: E402,F401,F403
from .security import *  # noqa: E402,F401,F403
from .api import *  # noqa: E402,F401,F403
from .logging import *  # noqa: E402,F401,F403
from .web import *  # noqa: E402,F401,F403

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:54329/dangan")}
DATABASES["default"]["ENGINE"] = "dangan.platform.postgresql_backend"  # django-tenants', see there
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The statements every API request runs are prepared on the server (platform/postgresql_backend
# prepared_cursor). Off for a connection pooler in transaction mode that cannot carry prepared
# statements (PgBouncer before 1.21, or without max_prepared_statements).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "dangan.platform.health.HealthCheckMiddleware",
    "dangan.platform.middleware.RequestIdMiddleware",
    "dangan.tenants.middleware.CachedTenantMainMiddleware",  # django-tenants' host lookup, cached briefly
    "dangan.tenants.middleware.TenantStatusMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dangan.web.csp.PathPolicyCSPMiddleware",  # Content-Security-Policy (settings/web.py)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a second factor
    "dangan.accounts.middleware.TwoFactorGateMiddleware",  # nothing but the code page until it is given
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lockout into its answer
]

ROOT_URLCONF = "dangan.platform.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "dangan.platform.urls_public"
WSGI_APPLICATION = "dangan.platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_ROOT / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dangan.tenants.context_processors.tenant",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "dangan.accounts.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "dangan.accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [REPO_ROOT / "web" / "locale"]
TIME_ZONE = env("DANGAN_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [REPO_ROOT / "web" / "static"]

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Dangan 档案 <noreply@dangan.localhost>")

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://dangan")}
# Every cache key carries the tenant schema (django-tenants' key function), so one tenant's
# cached value can never answer another tenant's request.
CACHES["default"]["KEY_FUNCTION"] = "django_tenants.cache.make_key"
CACHES["default"]["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"

# Tenant defaults seeded at signup; later apps append their own seeders (categories, roles,
# retention rules) here, each a callable `seed(tenant, admin_user)` run inside the new schema.
DANGAN_TENANT_SEEDERS = [
    "dangan.accounts.seeding.seed_admin_group",
    "dangan.archives.seeding.seed_archives",
    "dangan.documents.seeding.seed_documents",  # after archives: checklists hang off its categories
    "dangan.governance.seeding.seed_governance",  # after archives: rules name its categories
]

# Ready-made tenant schemas kept for signups (tenants/provisioning.py), and whether each signup
# queues a refill on commit (the beat schedule also refills every five minutes).
DANGAN_SCHEMA_POOL_SIZE = env.int("DANGAN_SCHEMA_POOL_SIZE", default=10)
DANGAN_SCHEMA_POOL_REFILL_ON_SIGNUP = env.bool("DANGAN_SCHEMA_POOL_REFILL_ON_SIGNUP", default=True)

# Checks `archives.services.lifecycle.customer_file` runs before a file is filed, each a
# callable `check(*, actor, customer)` that raises ApplicationError to refuse. Named by path so
# archives never imports the apps that add rules (documents: the required-document checklist).
DANGAN_FILING_CHECKS = [
    "dangan.documents.checklists.assert_complete_for_filing",
]

# Argon2 first: memory-hard, and a fraction of PBKDF2's CPU time at Django's 2025 iteration count
# (which alone would take most of a signup's sub-second budget).
PASSWORD_HASHERS = [
    # Parameters and why: accounts/hashers.py. It also verifies (and upgrades) Argon2 hashes made
    # with Django's default parameters: the algorithm name is the same.
    "dangan.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
