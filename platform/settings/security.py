"""Security headers and cookies; production.py tightens these further."""
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Host-only cookies: a session issued on acme.example.com is never sent to beta.example.com.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Sign-in: lockout after failed passwords (django-axes) and two-factor codes (django-otp) ---
import datetime as _dt  # noqa: E402

import environ  # noqa: E402

_env = environ.Env()

# django-axes sits first: it refuses a locked-out account before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed passwords in a row (within the cool-off window) that lock an account.
AXES_FAILURE_LIMIT = _env.int("AXES_FAILURE_LIMIT", default=5)
# A lockout ends by itself after this long, or earlier when a company administrator unlocks
# the account (登录安全 page) or platform staff delete the attempt in the console.
AXES_COOLOFF_TIME = _dt.timedelta(minutes=_env.int("AXES_COOLOFF_MINUTES", default=30))
# By account, not by address: a company's whole office usually shares one public IP behind
# NAT, and locking the address would lock every colleague out with one forgetful user.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address too; see just above for why not. Guessing many accounts from
# one address is what the per-account limit cannot stop: that is the proxy's rate limit's job.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "dangan.accounts.lockout.attempted_username"  # "Zhang@X.cn " and "zhang@x.cn" count together
AXES_LOCKOUT_CALLABLE = "dangan.accounts.lockout.lockout_response"  # bilingual page / JSON error code
AXES_RESET_ON_SUCCESS = True  # a correct password clears the earlier failures
# Axes would also add a row per successful sign-in (and update it at sign-out): a table that
# grows forever and that nothing here reads. Failures, which the lockout needs, are kept.
AXES_DISABLE_ACCESS_LOG = True

# Two-factor (TOTP): the issuer authenticator apps show next to the account.
OTP_TOTP_ISSUER = "Dangan 档案"
