"""Settings for the civilization-practice portal.

Everything comes from environment variables (see `.env.example`). With none set the portal
runs the embedded default: SQLite, Celery tasks run eagerly, DEBUG on, a derived dev secret.
Bad values fail loudly at start-up rather than half-working later.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from practice_center.observability import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("READ_DOT_ENV", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    # Stable per checkout so sessions survive a restart; never used with DEBUG off.
    _dev_secret = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-dev-" + _dev_secret)
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be set to 50+ random characters when DEBUG is off.")

# The key of the points ledger's hash chain (HMAC-SHA256). It lives in the environment, never in
# the database, so someone with database access alone cannot recompute a rewritten chain. Keep it
# apart from SECRET_KEY where you can (LEDGER_HMAC_KEY); without it, it is derived from SECRET_KEY.
# Changing it makes every existing chain fail verification: it must stay the same for the
# ledger's life (README, "What the ledger key protects").
# Where the daily ledger checkpoints are written (points/checkpoints.py): a folder outside the
# database's machine and its backups, for instance a mounted share the database user cannot write.
LEDGER_CHECKPOINT_DIR = Path(env.str("LEDGER_CHECKPOINT_DIR", default=str(BASE_DIR / "var" / "ledger-checkpoints")))
LEDGER_HMAC_KEY = env.str(
    "LEDGER_HMAC_KEY", default=hashlib.sha256(("points-ledger:" + SECRET_KEY).encode()).hexdigest()
).encode()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "practice_center",
    "volunteers",
    "activities",
    "points",
    "reports",
]

MIDDLEWARE = [
    "practice_center.health.HealthCheckMiddleware",  # /healthz, /readyz: before hosts, HTTPS, sessions
    "practice_center.request_context.RequestIdMiddleware",
    "practice_center.observability.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice_center.middleware.RejectNullBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "practice_center.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "practice_center.middleware.PrivatePagesMiddleware",
    "practice_center.idempotency.IdempotencyMiddleware",
    "practice_center.repeat_submit.RepeatSubmitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "practice_center.urls"
CSRF_FAILURE_VIEW = "practice_center.errors.csrf_failure"
WSGI_APPLICATION = "practice_center.wsgi.application"

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
                "django.template.context_processors.i18n",
                "practice_center.context_processors.portal",
                "practice_center.notifications.inbox_context",
            ],
            "builtins": ["practice_center.templatetags.forms_once"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a lock instead of failing at once when the dev server and a worker write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction begins, so two writers queue (up to the timeout)
    # instead of the second failing at once with "database is locked" (found by racing sign-ups).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")


def redis_caches(url: str) -> dict:
    """The CACHES setting for a Redis at `url`.

    Redis down or hung must not take the portal down: django-redis ignores connection errors
    (a throttle then lets the request through, a cached value is recomputed) and every command
    gives up after CACHE_TIMEOUT_SECONDS (default a quarter of a second) instead of holding a worker.
    """
    timeout = env.float("CACHE_TIMEOUT_SECONDS", default=0.25)
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": timeout, "SOCKET_TIMEOUT": timeout},
        }
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
    # /readyz reports a cache outage; a traceback per cache call (two a request) would flood the log.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
    DJANGO_REDIS_LOGGER = "practice_center.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# Workers log through settings.LOGGING (request ids, masked phones, JSON lines), not Celery's own set-up.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A broker that is down must never block the request that queued a task.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    # A broker that accepts the connection but never answers (hung, half-open after a failover)
    # would otherwise block a publish for ever (measured: bench/notify_broker_down.py).
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "practice_center.User"
AUTHENTICATION_BACKENDS = ["practice_center.auth.PhoneOrUsernameBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env.bool("FAST_PASSWORD_HASHER", default=False):
    # Tests and benchmarks only: hashing thousands of demo passwords with PBKDF2 takes minutes.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email and notification channels --------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
SMS_BACKEND = env.str("SMS_BACKEND", default="practice_center.channels.ConsoleSMSBackend")
WECHAT_BACKEND = env.str("WECHAT_BACKEND", default="practice_center.channels.ConsoleWeChatBackend")
# Notifications: where FileSMSBackend writes (development, tests) and the portal's public
# address, put before the relative links in emails and WeChat messages ("" leaves them relative).
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default="")
SITE_URL = env.str("SITE_URL", default="")

# --- Security (production values when DEBUG is off) -----------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # elderly residents should not have to log in every day

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "practice_center.api.authentication.PortalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in (an endpoint that takes a file adds MultiPartParser itself), nested at most 32 deep.
    "DEFAULT_PARSER_CLASSES": ["practice_center.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "practice_center.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "practice_center.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="600/min"),
        "user": env.str("THROTTLE_USER", default="3000/min"),
        "login": env.str("THROTTLE_LOGIN", default="20/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # DRF's throttles read the client's address as practice_center/throttle.py does: through
    # TRUSTED_PROXY_COUNT proxies only (None would trust a forged X-Forwarded-For).
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
}
# Content-Security-Policy (django-csp): scripts only from the portal itself (the one inline
# script, the check-in page's auto-submit, carries the request's nonce); inline style
# attributes and the <style> inside server-drawn SVG charts are allowed; nothing is framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# API tokens: one per device, hashed in the database, alive API_TOKEN_DAYS after last use.
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "AUTO_REFRESH": True,
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKENS_PER_USER", default=20),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Civilization-practice portal API",
    "DESCRIPTION": "REST API v1 of the civilization-practice portal (新时代文明实践).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Many models have a `status`; name each choice set so the schema has no enum collisions.
    "ENUM_NAME_OVERRIDES": {
        "VolunteerStatusEnum": "volunteers.models.VolunteerStatus",
        "ServiceRecordStatusEnum": "volunteers.models.RecordStatus",
        "OrderStatusEnum": "activities.models.OrderStatus",
        "OrderKindEnum": "activities.models.OrderKind",
        "ActivityStatusEnum": "activities.models.ActivityStatus",
        "ActivityOpenToEnum": "activities.models.OpenTo",
        "EnrollmentStatusEnum": "activities.models.EnrollmentStatus",
    },
}

# --- Portal settings ------------------------------------------------------------------------
PORTAL = {
    # How long an API Idempotency-Key is remembered.
    "IDEMPOTENCY_KEY_HOURS": env.int("IDEMPOTENCY_KEY_HOURS", default=24),
    # Orders (activities app)
    "MAX_OPEN_ORDERS_PER_RESIDENT": env.int("MAX_OPEN_ORDERS_PER_RESIDENT", default=5),
    "DISPATCH_TIMEOUT_HOURS": env.int("DISPATCH_TIMEOUT_HOURS", default=24),
    "ACCEPT_TIMEOUT_HOURS": env.int("ACCEPT_TIMEOUT_HOURS", default=24),
    "RATE_WINDOW_DAYS": env.int("RATE_WINDOW_DAYS", default=14),
    # Volunteers: verified hours needed for 1..5 stars (national volunteer-record thresholds).
    "STAR_THRESHOLDS": env.list("STAR_THRESHOLDS", cast=int, default=[100, 300, 600, 1000, 1500]),
    # Points: working days of public notice (公示) for yearly honours.
    "HONOURS_NOTICE_WORKING_DAYS": env.int("HONOURS_NOTICE_WORKING_DAYS", default=5),
    # Brute-force limits of the log-in and registration pages (practice_center/throttle.py):
    # failures per user name + address, then per address, before a cool-off; join-code guesses.
    "LOGIN_FAILURES_PER_USER": env.int("LOGIN_FAILURES_PER_USER", default=5),
    "LOGIN_FAILURES_PER_IP": env.int("LOGIN_FAILURES_PER_IP", default=30),
    "LOGIN_FAILURES_PER_ACCOUNT": env.int("LOGIN_FAILURES_PER_ACCOUNT", default=20),
    "PICKUP_CODE_FAILURES_PER_USER": env.int("PICKUP_CODE_FAILURES_PER_USER", default=20),
    "LOGIN_COOLOFF_MINUTES": env.int("LOGIN_COOLOFF_MINUTES", default=15),
    "JOIN_CODE_FAILURES_PER_IP": env.int("JOIN_CODE_FAILURES_PER_IP", default=10),
    "JOIN_CODE_WINDOW_MINUTES": env.int("JOIN_CODE_WINDOW_MINUTES", default=60),
    # Scheduled activities (activities.sessions): the door check-in window around the session,
    # the reminder before the start, and sign-ups refused after N no-shows in 90 days (0: off).
    "CHECKIN_OPENS_MINUTES_BEFORE": env.int("CHECKIN_OPENS_MINUTES_BEFORE", default=30),
    "CHECKIN_CLOSES_MINUTES_AFTER": env.int("CHECKIN_CLOSES_MINUTES_AFTER", default=30),
    "ACTIVITY_REMINDER_HOURS": env.int("ACTIVITY_REMINDER_HOURS", default=24),
    "ACTIVITY_NO_SHOW_LIMIT": env.int("ACTIVITY_NO_SHOW_LIMIT", default=0),
    # Readiness (/readyz, practice_center/health.py): a worker heartbeat older than this fails the
    # "worker" check (the beat job writes one every WORKER_HEARTBEAT_SECONDS, see celery.py);
    # the migration check is remembered this long per process.
    "WORKER_HEARTBEAT_MAX_AGE_SECONDS": env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=120),
    "READINESS_MIGRATIONS_CACHE_SECONDS": env.int("READINESS_MIGRATIONS_CACHE_SECONDS", default=60),
    # Reports: a station lags on the dashboard when this month's on-time rate (0..1) or mean
    # rating (stars) is under these thresholds.
    "REPORTS_LAGGING_ON_TIME_RATE": env.float("REPORTS_LAGGING_ON_TIME_RATE", default=0.8),
    "REPORTS_LAGGING_RATING": env.float("REPORTS_LAGGING_RATING", default=4.0),
    # Uploaded pictures (practice_center/images.py): the most pixels (width × height) a picture
    # may have; larger ones are refused before they are decoded (decompression bombs).
    "IMAGE_MAX_PIXELS": env.int("IMAGE_MAX_PIXELS", default=40_000_000),
}
if sorted(PORTAL["STAR_THRESHOLDS"]) != PORTAL["STAR_THRESHOLDS"] or len(PORTAL["STAR_THRESHOLDS"]) != 5:
    raise ImproperlyConfigured("STAR_THRESHOLDS must be five increasing numbers of hours.")
_throttle_keys = (
    "LOGIN_FAILURES_PER_USER",
    "LOGIN_FAILURES_PER_IP",
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_COOLOFF_MINUTES",
)
if PORTAL["IMAGE_MAX_PIXELS"] < 1_000_000:
    raise ImproperlyConfigured("IMAGE_MAX_PIXELS must be at least 1 000 000 (a photo of 1 000 × 1 000).")
if any(PORTAL[k] < 1 for k in (*_throttle_keys, "JOIN_CODE_FAILURES_PER_IP", "JOIN_CODE_WINDOW_MINUTES")):
    raise ImproperlyConfigured("The LOGIN_* and JOIN_CODE_* limits must be 1 or more.")
# How many reverse proxies in front of the portal append to X-Forwarded-For (0: none, use
# REMOTE_ADDR). The log-in limits count per client address, so this must match the deployment:
# too high and clients can forge their address, too low and everyone shares the proxy's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# Benchmarks only (bench/orders_bench.py): mounts /activities/bench/menu/, a bare Django view that
# returns the same menu rows as /api/v1/menu-items/, to measure what DRF costs. Never in production.
ORDERS_BENCH_VIEWS = env.bool("ORDERS_BENCH_VIEWS", default=False)

# Notifications: extra channels per kind for this deployment, e.g. "order_dispatched=sms|email,order_completed=sms"
# (practice_center.notifications.channels_of); kinds not named keep the channels they registered.
NOTIFICATION_CHANNELS = {
    kind: [c for c in channels.split("|") if c]
    for kind, channels in env.dict("NOTIFICATION_CHANNELS", default={}).items()
}
if any(c not in ("inbox", "email", "sms", "wechat") for cs in NOTIFICATION_CHANNELS.values() for c in cs):
    raise ImproperlyConfigured("NOTIFICATION_CHANNELS: channels are inbox, email, sms and wechat.")
# Notifications: how long a worker's claim on a delivery holds; a worker killed mid-send frees it then.
NOTIFICATION_CLAIM_SECONDS = env.int("NOTIFICATION_CLAIM_SECONDS", default=300)

# --- Logs and errors (practice_center/observability.py) ---------------------------------------
# One line per request with its id, user id and duration; phones masked; JSON lines if asked.

LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), fmt=env.str("LOG_FORMAT", default="text"))
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
