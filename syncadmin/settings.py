"""syncadmin settings: every value comes from the environment (or ``.env``).

``.env.example`` documents each variable. Defaults need nothing installed:
SQLite under ``data/`` and the django-q2 ORM broker.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DATA_DIR = Path(env.str("SYNCADMIN_DATA_DIR", default=str(BASE_DIR / "data")))
# The data folder holds the keys and the database: readable by its owner only.
if not DATA_DIR.exists():
    DATA_DIR.mkdir(parents=True, mode=0o700, exist_ok=True)
    DATA_DIR.chmod(0o700)


def _create_owner_only(path: Path, text: str = "") -> None:
    """Create ``path`` as 0600 from the start (never briefly readable by others)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (web or worker) starting at once made it
        return
    with os.fdopen(fd, "w") as file:
        file.write(text)


def _local_secret_key() -> str:
    """Generated once per data folder, so a local run needs no configuration."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        _create_owner_only(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind an HTTPS proxy (docs/security.md): HSTS, the redirect to https, and the header
# by which the proxy says the request came over https ("HTTP_X_FORWARDED_PROTO,https").
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is a header and its value, e.g. HTTP_X_FORWARDED_PROTO,https"
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) or None
# Only our own files: htmx and Pico are vendored under static/, no inline script or style
# (base.html tells htmx not to inject its indicator style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# A session ends after SESSION_COOKIE_AGE seconds without a request (default 12 hours):
# each request moves the expiry on.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
if SESSION_COOKIE_AGE < 60:
    raise ImproperlyConfigured("SESSION_COOKIE_AGE is in seconds and must be at least 60.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "axes",
    "core",
    "integrations",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session middleware, so connections opened while saving a session
    # get the short web waits too.
    "core.database_busy.DatabaseBusyMiddleware",
    "core.database_busy.SessionRefreshTolerantMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "core.middleware.ViewerReadOnlyMiddleware",
    "core.time_zones.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the lockout flag the login view's authenticate() set.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "syncadmin.urls"
WSGI_APPLICATION = "syncadmin.wsgi.application"
ASGI_APPLICATION = "syncadmin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'syncadmin.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Created here as an empty 0600 file (SQLite takes it as a new database), so the
    # database, and its -wal and -shm files that SQLite gives the same mode, are owner-only.
    _sqlite_path = Path(DATABASES["default"]["NAME"])
    if _sqlite_path.parent == DATA_DIR and not _sqlite_path.exists():
        _create_owner_only(_sqlite_path)
    # Web and workers write at once: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing to
    # upgrade a read lock half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not :memory:, so worker processes started by tests share it; one per
    # test run, so two runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test_syncadmin_{os.getpid()}.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    # A server that does not answer at all (not even "refused") fails in seconds.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Seconds a web request waits for a database lock before it answers "the database is
# busy, nothing was started" (workers wait as long as above).
DB_WEB_WAIT_S = env.float("DB_WEB_WAIT_S", default=5.0)
if not 0 < DB_WEB_WAIT_S <= 60:
    raise ImproperlyConfigured("DB_WEB_WAIT_S is in seconds, more than 0 and at most 60.")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username, or
# from one address, lock that username / address out for AXES_COOLOFF_MINUTES. The
# window is fixed from the lockout (tries during it do not extend it), so a guesser gets
# AXES_FAILURE_LIMIT tries per window and a real user is never locked out for good.
AUTHENTICATION_BACKENDS = [
    "core.login_lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1.")
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.login_lockout.lockout_response"
# Reverse proxies in front of syncadmin that append to X-Forwarded-For: the address a
# login is counted against is then the client's, not the proxy's (docs/security.md).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if not 0 <= TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies, 0 to 10.")
AXES_CLIENT_IP_CALLABLE = "core.login_lockout.client_address"
AXES_SENSITIVE_PARAMETERS = ["password"]
# The failures themselves are enough; axes' log of every successful login is not needed.
AXES_DISABLE_ACCESS_LOG = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Vendored files carry their version in the name; no manifest step needed.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# django-q2: the ORM broker by default (nothing to install); Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    # Also the Redis queue's key: clusters sharing one Redis keep apart by name.
    "name": env.str("Q_CLUSTER_NAME", default="syncadmin"),
    "workers": env.int("Q_WORKERS", default=2),
    # A sync job runs for as long as it has work; retry must exceed timeout or
    # a long task would be handed to a second worker while the first still runs.
    "timeout": env.int("Q_TIMEOUT", default=3600),
    "retry": env.int("Q_TIMEOUT", default=3600) + 600,
    "max_attempts": 1,
    "save_limit": 1000,
    "catch_up": False,
    # database broker: an idle cluster's look for queued tasks (Redis hands them over)
    "poll": env.float("Q_POLL_S", default=0.1),
    "ack_failures": True,
}
if not 0 < Q_CLUSTER["poll"] <= 10:
    raise ImproperlyConfigured("Q_POLL_S must be more than 0 and at most 10 seconds")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # a refused request (a viewer's POST) is one line, who/method/path, not a traceback
    "filters": {"forbidden_one_line": {"()": "core.forbidden_log.ForbiddenOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-q2 logs as "django-q"; its INFO lines (every task picked up) drown the rest
        "django-q": {"level": env.str("Q_LOG_LEVEL", default="WARNING")},
        "django.request": {"filters": ["forbidden_one_line"]},
    },
}

# Modules imported at start-up that register job kinds (each capability adds its own).
JOB_KIND_MODULES = env.list("JOB_KIND_MODULES", default=[])

# Audit events younger than this many days are never pruned, whatever the retention
# setting says (the database refuses such a prune window on PostgreSQL too).
AUDIT_RETENTION_MIN_DAYS = env.int("AUDIT_RETENTION_MIN_DAYS", default=30)
if AUDIT_RETENTION_MIN_DAYS < 1:
    raise ImproperlyConfigured("AUDIT_RETENTION_MIN_DAYS must be at least 1.")
# How long each API call waits for the vendor's answer before giving up.
VENDOR_TIMEOUT_S = env.float("VENDOR_TIMEOUT_S", default=60.0)
# Salesforce describes (fields, picklists) are reused this long by jobs (pages read live).
SALESFORCE_DESCRIBE_MAX_AGE_S = env.int("SALESFORCE_DESCRIBE_MAX_AGE_S", default=86400)
# A create whose answer was lost may still become visible this long after it was sent
# (Salesforce ends any request after 10 minutes): until then it is looked up, never
# sent again.
WRITE_SETTLE_S = env.int("WRITE_SETTLE_S", default=600)
# A contact sync with more eligible contacts than this hands them out in work units of
# this many, which every worker (on every host) takes (docs/architecture.md).
SYNC_UNIT_RECORDS = env.int("SYNC_UNIT_RECORDS", default=1000)
# A full read of more contacts than SYNC_BULK_READ_ABOVE is cut into SYNC_BULK_READ_SLICES
# id slices instead of slices of SYNC_UNIT_RECORDS: each slice's creates then fill one
# Bulk API 2.0 job (a 100,000-contact first sync: 8 slices of 12,500 contacts, a few
# dozen Salesforce calls instead of hundreds of collections).
SYNC_BULK_READ_ABOVE = env.int("SYNC_BULK_READ_ABOVE", default=50000)
SYNC_BULK_READ_SLICES = env.int("SYNC_BULK_READ_SLICES", default=8)
# In a full read cut into unit-sized slices, one unit reads this share of the contact
# ids (the lowest) by paging HubSpot's contact listing, whose calls count against the
# 190 per 10 seconds, while the slices search the rest (5 searches per second): the
# read is bound by neither limit alone. 0 searches everything.
SYNC_PAGED_READ_SHARE = env.float("SYNC_PAGED_READ_SHARE", default=0.3)
# Salesforce writes (collections of 200) a worker sends side by side.
SALESFORCE_WRITES_AT_ONCE = env.int("SALESFORCE_WRITES_AT_ONCE", default=2)
# Salesforce writes of more records than this go through one Bulk API 2.0 job instead
# of sObject Collections of 200 (Salesforce suggests Bulk from about 2,000 records).
SALESFORCE_BULK_THRESHOLD = env.int("SALESFORCE_BULK_THRESHOLD", default=2000)
# how long to wait before the first look at a Bulk job's progress
SALESFORCE_BULK_FIRST_POLL_S = env.float("SALESFORCE_BULK_FIRST_POLL_S", default=2.0)
# A Salesforce read of more records than this (Salesforce counts them on its first page)
# goes on as one Bulk API 2.0 query job instead of REST pages of 2,000: the 50,000
# Salesforce records of a 100,000-contact sync in a handful of calls instead of 25.
SALESFORCE_BULK_QUERY_ABOVE = env.int("SALESFORCE_BULK_QUERY_ABOVE", default=10000)
if SYNC_UNIT_RECORDS < 1:
    raise ImproperlyConfigured("SYNC_UNIT_RECORDS must be at least 1")
if SYNC_BULK_READ_SLICES < 1:
    raise ImproperlyConfigured("SYNC_BULK_READ_SLICES must be at least 1")
if not 0 <= SYNC_PAGED_READ_SHARE < 1:
    raise ImproperlyConfigured("SYNC_PAGED_READ_SHARE must be at least 0 and less than 1")
if not 1 <= SALESFORCE_WRITES_AT_ONCE <= 10:
    raise ImproperlyConfigured("SALESFORCE_WRITES_AT_ONCE must be between 1 and 10")
if SALESFORCE_BULK_QUERY_ABOVE < 1:
    raise ImproperlyConfigured("SALESFORCE_BULK_QUERY_ABOVE must be at least 1")
# HubSpot records some activities late (a marketing email open, an Events API event):
# each run reads this far behind its cursor again; links make the re-read harmless.
ACTIVITY_LATE_ARRIVAL_H = env.int("ACTIVITY_LATE_ARRIVAL_H", default=72)
# A running job's worker stamps its heartbeat this often, whatever the job is doing
# (waiting for a slow API answer included); a running job whose heartbeat is older
# than JOB_STALE_AFTER_S is dead: it is ended and the next job of its scope starts.
JOB_HEARTBEAT_S = env.float("JOB_HEARTBEAT_S", default=5.0)
JOB_STALE_AFTER_S = env.int("JOB_STALE_AFTER_S", default=30)
if JOB_HEARTBEAT_S <= 0 or JOB_HEARTBEAT_S * 2 > JOB_STALE_AFTER_S:
    raise ImproperlyConfigured(
        "JOB_HEARTBEAT_S must be positive and at most half of JOB_STALE_AFTER_S, or a "
        "live job would be taken for a dead one."
    )

# The bearer token Prometheus sends to scrape /metrics. Unset: /metrics is off (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Fernet keys that encrypt connection secrets at rest; the first encrypts, all decrypt.
# Unset: one is generated once into $SYNCADMIN_DATA_DIR/encryption_key.
ENCRYPTION_KEYS = env.list("SYNCADMIN_ENCRYPTION_KEYS", default=[])

# Called with the ended job by the worker that ran it (dotted paths); a hook that fails is
# logged and never fails the job. Alerts evaluate their rules here.
JOB_FINISHED_HOOKS = env.list("JOB_FINISHED_HOOKS", default=["alerts.hooks.job_finished"])

# Alert email goes out through Django's SMTP backend with these. EMAIL_HOST unset: email
# channels cannot send (the Alerts page says so); webhooks still work.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="syncadmin@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Where admins open syncadmin, for the links in alerts (e.g. https://sync.example.com).
ALERTS_SITE_URL = env.str("ALERTS_SITE_URL", default="").rstrip("/")
# A delivery that fails is tried again after ALERT_RETRY_BASE_S, then twice as long each
# time, ALERT_MAX_ATTEMPTS tries in all.
ALERT_RETRY_BASE_S = env.int("ALERT_RETRY_BASE_S", default=30)
ALERT_MAX_ATTEMPTS = env.int("ALERT_MAX_ATTEMPTS", default=5)
if ALERT_RETRY_BASE_S < 1 or not 1 <= ALERT_MAX_ATTEMPTS <= 20:
    raise ImproperlyConfigured(
        "ALERT_RETRY_BASE_S must be at least 1 and ALERT_MAX_ATTEMPTS between 1 and 20."
    )
