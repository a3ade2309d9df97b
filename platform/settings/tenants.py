"""django-tenants: which apps live in the public schema and which in every company schema."""

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# A 404 for unknown hosts: serving the public site there would let typos of a company's
# subdomain land on a page that looks official.
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# Our executor migrates the template schema too and skips up-to-date schemas in one query.
GET_EXECUTOR_FUNCTION = "dangan.tenants.migration_executor.get_executor"
# One `SET search_path` per schema switch instead of one per cursor (six fewer statements in a
# list request). Safe with our django-tenants: set_tenant, ROLLBACK, ROLLBACK TO SAVEPOINT and
# reconnects all forget the path already set, so it is issued again whenever it could be stale.
TENANT_LIMIT_SET_CALLS = True

SHARED_APPS = [
    "django_tenants",  # schema switching, tenant middleware, migrate_schemas
    "dangan.tenants",  # Tenant, Domain, plans, quotas, provisioning: the platform's own data
    "django.contrib.contenttypes",  # both schemas: permissions and generic relations exist in each
    "django.contrib.auth",  # public schema: platform staff; tenant schemas: company users
    "dangan.accounts",  # the user model, in both schemas for the same reason as auth
    "django.contrib.sessions",  # public sessions for staff; tenant sessions stay in the tenant
    "django.contrib.messages",  # no tables
    "django.contrib.admin",  # the staff console is Django's admin, public schema only
    "django.contrib.staticfiles",  # no tables
    "rest_framework",  # no tables
    "drf_spectacular",  # no tables
    "drf_spectacular_sidecar",  # no tables: Swagger UI and Redoc as static files, so the API docs work offline
    "django_filters",  # no tables
    "django.contrib.postgres",  # no tables: search vectors, GIN indexes, lookups
    "dangan.web",  # templates and static files of the web UI; no tables
    "pgtrigger",  # no tables: Meta.triggers and their migrations (governance's append-only audit chain)
    "axes",  # public schema: failed sign-ins and lockouts of platform staff (the console)
    "django_otp",  # no tables: the OTP middleware and verification API
    # Public tables too, though staff do not enrol yet: the two-factor checks query the current
    # schema and must find the table on either side.
    "django_otp.plugins.otp_totp",
]

TENANT_APPS = [
    # Users, groups and sessions live inside each company's schema: a session or account of
    # company A does not exist in company B (django-tenants' security notes).
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "dangan.accounts",
    "django.contrib.sessions",
    "rest_framework.authtoken",  # per-user API tokens belong to the company's users
    "dangan.integrations",  # API keys and idempotency records: a company's key means nothing elsewhere
    "dangan.archives",  # the customer files themselves: company data, never shared
    # Scanned documents, their versions, download records, checklists and paper locations are
    # company data hanging off customer files (foreign keys into archives): tenant schema only.
    # The object-storage plumbing in documents/storage.py has no tables and serves both sides.
    "dangan.documents",
    # Audit chain, query log, retention and disposition of the company's files: they record and
    # govern that company's data, and an auditor of one company must never see another's.
    "dangan.governance",
    # Failed sign-ins and lockouts per company: the same email locked out on company A is a
    # different person on company B, and must not be locked there (accounts/lockout.py).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",  # two-factor (TOTP) devices of the company's users (accounts/two_factor.py)
]

INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

# django-pgtrigger with one schema per company: triggers are installed by migrations, so they
# are created in the template schema like any table and replayed into every new company by
# provisioning (never by a post-migrate "install everything" pass in whatever schema is current).
PGTRIGGER_INSTALL_ON_MIGRATE = False
PGTRIGGER_MIGRATIONS = True
# pgtrigger's helper `_pgtrigger_should_ignore` lives once in public; so do our trigger
# functions (governance/triggers.py says why).
PGTRIGGER_SCHEMA = "public"
