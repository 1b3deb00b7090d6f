"""Postsale settings: one module, read from the environment.

Every default runs on a laptop with nothing installed: SQLite under `.data/`,
Celery on kombu's filesystem transport (a real worker and beat, no server),
e-mail written to files under `.data/mail/` that the development mailbox shows.
DEBUG is off unless set: the laptop demo (`make run`) and the test suite
(tests/settings.py) switch it on themselves. Without DEBUG the secrets must come
from the environment (config/checks.py refuses weak ones) and the security
settings below switch on.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import prepared as _prepared
from config.keys import laptop_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("POSTSALE_DATA_DIR", default=str(BASE_DIR / ".data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# No key is built in: one printed here would let anyone who read it sign portal links and
# sessions. The laptop demo makes its own on the first run; production must set one, and
# a system check (config/checks.py) refuses to start with a missing, known or weak key.
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = laptop_secret_key(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "import_export",
    "django_celery_beat",
    "anymail",
    "csp",
    "config.apps.PostsaleConfig",
    # From the bottom layer up; the README's "The apps" draws the layers.
    "orders",
    "cases",
    "decisions",
    "messaging",
    "returns",
    "claims",
    "integrations",
    "desk",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the path or the query string is a 400 before any view reads it (config/middleware.py).
    "config.middleware.RefuseNulMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "desk.middleware.UserLanguageMiddleware",
    # Owners and staff: the TOTP code before any page, and sessions that end sooner (desk/security.py).
    "desk.security.StaffSessionMiddleware",
    "desk.security.SecondFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns django-axes' lockout into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'postsale.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; wait for the lock instead of failing at once
    # when the web process and the Celery worker write together.
    # IMMEDIATE: a transaction takes the write lock when it begins, so a second
    # writer waits for it (up to the timeout) instead of failing at once with
    # "database is locked" when it tries to upgrade a read lock. WAL lets the
    # web pages read while the worker writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A kept connection that PostgreSQL dropped (restart, failover, pg_terminate_backend) is
    # noticed before the request uses it, instead of failing that request with a 500.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Repeated queries are parsed and planned once per connection (config/prepared.py); off for
# PgBouncer in transaction mode.
_prepared_options = (
    {"connection_factory": _prepared.PreparingConnection, "cursor_factory": _prepared.PreparingCursor}
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
    else {}
)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(_prepared_options)
# Reports and exports read from a replica when there is one (config/db_router.py);
# everything else, and every write, stays on the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        DATABASES["replica"].setdefault("OPTIONS", {}).update(_prepared_options)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_router.ReportsToReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # A cache that cannot be reached reads as empty (config/cache.py); the timeouts keep a Redis
    # that does not answer from holding a request for longer than a second. In production the
    # cache is a Redis of its own, not the broker's: see the README's "Production layout".
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "socket_timeout": env.float("REDIS_TIMEOUT", default=1.0),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username and address before any password is checked.
# Then ModelBackend with each user's permission set cached between requests (config/auth.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "config.auth.CachedPermissionsBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
# English dates day-first ("10 Dec 2026"): see config/formats/en/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGES = [("de", _("German")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Labels, photos and attachments are private: no URL shows the storage, Postsale's own views serve
# each file after checking who asks (orders/files.py). On a laptop they are files in MEDIA_ROOT; in
# production a private S3 or S3-compatible bucket (django-storages) with POSTSALE_STORAGE=s3, or
# simply with AWS_STORAGE_BUCKET_NAME set. Its keys come from the environment as boto3 reads them
# (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role), never from this file.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
POSTSALE_STORAGE = env(
    "POSTSALE_STORAGE", default="s3" if env("AWS_STORAGE_BUCKET_NAME", default="") else "files"
)
if POSTSALE_STORAGE == "s3":
    _file_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "location": env("AWS_LOCATION", default=""),
            # Nothing in the bucket is public: every object private, any URL the storage makes is
            # signed and expires in minutes, and a name is never reused for another file. A bucket
            # with ACLs switched off ("bucket owner enforced") is private as a whole and refuses
            # any ACL: AWS_DEFAULT_ACL= (empty) sends none.
            "default_acl": env("AWS_DEFAULT_ACL", default="private") or None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
        },
    }
elif POSTSALE_STORAGE == "files":
    _file_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"POSTSALE_STORAGE is {POSTSALE_STORAGE!r}: 'files' or 's3'.")
STORAGES = {
    "default": _file_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# --- Logins and tokens (README "Running it in public", "Logins and tokens") -------------------
# Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): the
# address a rate limit or the login throttle counts is the right-most forwarded one that is
# not one of them (config/client_ip.py). Empty: REMOTE_ADDR, and the header is ignored.
POSTSALE_TRUSTED_PROXIES = env.list("POSTSALE_TRUSTED_PROXIES", default=[])
# django-axes: after this many wrong passwords for one user name from one address, that pair is
# refused for the cool-off, right password or not. Keyed on both, so a stranger who types a
# user's name wrong five times locks only themselves out, not the user everywhere.
AXES_FAILURE_LIMIT = env.int("POSTSALE_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("POSTSALE_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
# The page that says so, with a 429 (desk/security.py).
AXES_LOCKOUT_CALLABLE = "desk.security.lockout_response"
# No row per successful login: the attempts table holds failures only.
AXES_DISABLE_ACCESS_LOG = True
# Owners, staff and superusers confirm every login with a TOTP code (django-otp); agents may.
POSTSALE_REQUIRE_2FA = env.bool("POSTSALE_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = "Postsale"
# Owners', staff's and superusers' sessions end when the browser closes and after this many
# seconds without a request; agents keep Django's two weeks (SESSION_COOKIE_AGE).
POSTSALE_STAFF_SESSION_IDLE = env.int("POSTSALE_STAFF_SESSION_IDLE", default=8 * 60 * 60)
# API tokens (django-rest-knox): only a hash is stored; each expires after this many days
# unless `create_api_token --days` says otherwise (1 to 3650).
POSTSALE_API_TOKEN_DAYS = env.int("POSTSALE_API_TOKEN_DAYS", default=90)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=POSTSALE_API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    # Lets a secret scanner recognise a leaked token; tokens made before knox have none.
    "TOKEN_PREFIX": "pst_",
    "AUTO_REFRESH": False,
}

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # django-rest-knox's hashed, expiring tokens, with the token's user kept in the cache
        # (config/auth.py).
        "config.auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "config.api.renderers.BrowsableAPIRenderer",  # DRF's, under the Content-Security-Policy
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",  # + the Idempotency-Key header
    "DEFAULT_PAGINATION_CLASS": "config.api.CursorPage",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Postsale API",
    "DESCRIPTION": "Orders, shipments, tracking, claims and returns for post-sale support.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Links from what a write answers to what comes next, for clients and stateful fuzzing.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.add_links",
    ],
    # The docs page's scripts come from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, so every "status" field in the schema says which status it is.
    "ENUM_NAME_OVERRIDES": {
        "TrackingStatusEnum": "orders.models.TrackingStatus",
        "PaymentStatusEnum": "orders.models.PaymentStatus",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "RefundStatusEnum": "cases.models.RefundStatus",
        "CarrierClaimStatusEnum": "claims.models.CarrierClaimStatus",
        "ClaimTypeEnum": "cases.choices.ClaimType",
        "ReturnStatusEnum": "returns.models.ReturnStatus",
        "OutboundStatusEnum": "messaging.models.OutboundStatus",
    },
}

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A task that a worker took but never acknowledged comes back after this
    # long; it must outlast the longest task (poll_carrier_tracking, 660 s) so nothing runs twice
    # needlessly (tests/config/test_celery_settings.py). A worker killed mid-task leaves its row
    # claimed; the sweeps below take it up long before this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A broker host that does not answer must not hold a web request for long (config/publish.py).
        "socket_connect_timeout": 2,
    }
# Publishing to a broker that is down gives up after about a second: the row is saved, its sweep
# sends it later, and the request answers at once.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# On a lost broker connection, the tasks running (which can no longer be acknowledged) are
# cancelled and come back from the broker, as Celery 6 will do by default; their rows' claims keep
# a second run from sending twice. Kept running, they held the worker's prefetch slots after the
# reconnect and the worker took nothing new (make chaos, a 30 s broker outage).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A worker that has taken nothing this long while its queues hold messages exits for its
# supervisor to restart it (config/worker_watchdog.py); 0 turns the watch off.
POSTSALE_WORKER_STALL_SECONDS = env.int("POSTSALE_WORKER_STALL_SECONDS", default=120)
# Defaults for a task that names no limits of its own; the sending tasks name theirs.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# The sweeps run on a queue of their own, with a worker of its own (Procfile.dev, docker-compose.yml):
# behind a backlog of ten thousand sends a sweep in the same queue ran minutes late.
SWEEP_QUEUE = "sweeps"
CELERY_TASK_ROUTES = {
    name: {"queue": SWEEP_QUEUE}
    for name in (
        "messaging.tasks.outbox_sweep",
        "messaging.tasks.inbound_sweep",
        "cases.tasks.outbound_sweep",
        "integrations.tasks.sweep_inbound_events",
        # Housekeeping on a timer belongs with the sweeps, never behind a backlog of sends.
        "desk.tasks.refresh_rollups",
        "desk.tasks.sweep_presence",
        "config.tasks.forget_idempotency_keys",
        "cases.tasks.sla_recompute",
    )
}
# Celery's Django fix-up closes the database connection after every task
# unless told to reuse it: a new PostgreSQL backend per e-mail was a third of a
# send. Connections are kept for this many tasks; config/celery.py still drops
# broken ones and honours CONN_MAX_AGE after each task.
CELERY_DB_REUSE_MAX = 500
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "open-stalled-claims": {"task": "claims.tasks.open_stalled_claims", "schedule": 60 * 60},
    "open-payment-reviews": {"task": "claims.tasks.open_payment_reviews", "schedule": 10 * 60},
    "remind-carrier-claim-deadlines": {
        "task": "claims.tasks.remind_carrier_claim_deadlines",
        "schedule": 60 * 60,
    },
    "reprioritise-open-cases": {"task": "cases.tasks.reprioritise_open_cases", "schedule": 15 * 60},
    # Owners' SLA edits are applied by a task on commit; this catches one that never ran.
    "sla-recompute": {"task": "cases.tasks.sla_recompute", "schedule": 6 * 60 * 60},
}
CELERY_BEAT_SCHEDULE |= {
    # Every 30 min: with 5 DHL calls a run that stays under DHL's default 250 calls a day.
    "poll-carrier-tracking": {"task": "integrations.tasks.poll_carrier_tracking", "schedule": 30 * 60},
    # Webhooks of shop systems whose task never ran: at most POSTSALE_WEBHOOK_LOST_SECONDS late
    # plus one interval.
    "sweep-inbound-events": {
        "task": "integrations.tasks.sweep_inbound_events",
        "schedule": env.int("POSTSALE_WEBHOOK_SWEEP_SECONDS", default=60),
    },
}

# --- Carrier tracking APIs (polled) --------------------------------------------
POSTNORD_API_URL = env("POSTNORD_API_URL", default="https://api2.postnord.com")
POSTNORD_API_KEY = env("POSTNORD_API_KEY", default="")
DHL_API_URL = env("DHL_API_URL", default="https://api-eu.dhl.com")
DHL_API_KEY = env("DHL_API_KEY", default="")
CELERY_BEAT_SCHEDULE["expire-stale-returns"] = {
    "task": "returns.tasks.expire_stale_returns",
    "schedule": 60 * 60,
}
# The buyer hears "exchange shipped" once the shop has shipped it, with its tracking number.
CELERY_BEAT_SCHEDULE["announce-shipped-exchanges"] = {
    "task": "returns.tasks.announce_shipped_exchanges",
    "schedule": 60,
}
# Outbound calls to shop systems, payment providers and carriers (cases/outbound.py).
CELERY_BEAT_SCHEDULE["outbound-sweep"] = {
    "task": "cases.tasks.outbound_sweep",
    "schedule": env.int("POSTSALE_OUTBOUND_SWEEP_SECONDS", default=60),
}
# The dashboard's rollups: rebuild the shop-days written since the last run (desk/rollups/refresh.py).
CELERY_BEAT_SCHEDULE["refresh-rollups"] = {"task": "desk.tasks.refresh_rollups", "schedule": 60}
# A call left "sending" this long is taken to be orphaned by a dead worker and sent again, with
# the same idempotency key; it must outlast the send task's hard time limit (150 s).
POSTSALE_OUTBOUND_STALE_SECONDS = env.int("POSTSALE_OUTBOUND_STALE_SECONDS", default=180)
# A call still queued this long after it was due lost its task: the sweep enqueues it again.
POSTSALE_OUTBOUND_LOST_SECONDS = env.int("POSTSALE_OUTBOUND_LOST_SECONDS", default=120)
POSTSALE_OUTBOUND_MAX_ATTEMPTS = env.int("POSTSALE_OUTBOUND_MAX_ATTEMPTS", default=8)
# Seconds before the second attempt; each later one waits twice as long, at most an hour.
POSTSALE_OUTBOUND_FIRST_RETRY = env.int("POSTSALE_OUTBOUND_FIRST_RETRY", default=30)
# How long a provider may take to answer one call.
POSTSALE_OUTBOUND_TIMEOUT = env.float("POSTSALE_OUTBOUND_TIMEOUT", default=20.0)
CELERY_BEAT_SCHEDULE["messaging-outbox-sweep"] = {
    "task": "messaging.tasks.outbox_sweep",
    "schedule": env.int("POSTSALE_EMAIL_SWEEP_SECONDS", default=60),
}

# --- Retried API writes (config/api/idempotency.py) ------------------------
# An Idempotency-Key is remembered this long (Stripe: 24 h), then swept hourly.
POSTSALE_IDEMPOTENCY_HOURS = env.int("POSTSALE_IDEMPOTENCY_HOURS", default=24)
# A request whose key is still in use by a running twin waits this long for it, then answers 409.
POSTSALE_IDEMPOTENCY_WAIT_SECONDS = env.float("POSTSALE_IDEMPOTENCY_WAIT_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE["forget-idempotency-keys"] = {
    "task": "config.tasks.forget_idempotency_keys",
    "schedule": 60 * 60,
}
# A claim posted again without a key, the same order, type and lines as an open one opened this
# many minutes ago or less, is taken for a retry: the API answers the open case (200).
POSTSALE_DUPLICATE_CLAIM_MINUTES = env.int("POSTSALE_DUPLICATE_CLAIM_MINUTES", default=10)

# --- E-mail ---------------------------------------------------------------
# EMAIL_URL in django-environ form (smtp://user:pass@host:port, consolemail://,
# filemail:///path). ANYMAIL_ESP picks a real ESP backend instead.
_mail_dir = DATA_DIR / "mail"
_mail_dir.mkdir(parents=True, exist_ok=True)
vars().update(env.email_url("EMAIL_URL", default=f"filemail://{_mail_dir}"))
if EMAIL_BACKEND.endswith("filebased.EmailBackend") and not str(EMAIL_FILE_PATH).startswith("/"):  # noqa: F821
    # django-environ drops the leading slash of filemail:///abs/path.
    EMAIL_FILE_PATH = "/" + str(EMAIL_FILE_PATH)  # noqa: F821
# Django's SMTP backend waits forever by default; a hung server must not hang a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
ANYMAIL_ESP = env("ANYMAIL_ESP", default="")
if ANYMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Postsale <support@postsale.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Buyers answer to reply+<token>@POSTSALE_REPLY_DOMAIN; the ESP's inbound route for
# that domain posts to /anymail/<esp>/inbound/ and the token finds the case.
POSTSALE_REPLY_DOMAIN = env("POSTSALE_REPLY_DOMAIN", default="reply.postsale.localhost")
# Fernet keys for integration secrets at rest, comma-separated, newest first
# (integrations/vault.py). Required without DEBUG (config/checks.py): a key of its own,
# so that SECRET_KEY leaking does not open the integrations' secrets too. With DEBUG and
# none set, derived from SECRET_KEY.
POSTSALE_SECRETS_KEY = env.list("POSTSALE_SECRETS_KEY", default=[])
# A row left in "sending" this long is taken to be orphaned by a dead worker and
# sent again; it must outlast the send task's hard time limit.
POSTSALE_EMAIL_STALE_SECONDS = env.int("POSTSALE_EMAIL_STALE_SECONDS", default=180)
# A row still queued this long after it was made (or after its retry was due) lost its task.
POSTSALE_EMAIL_LOST_SECONDS = env.int("POSTSALE_EMAIL_LOST_SECONDS", default=120)
POSTSALE_EMAIL_MAX_ATTEMPTS = env.int("POSTSALE_EMAIL_MAX_ATTEMPTS", default=8)
# Seconds before the second attempt after a temporary refusal (SMTP 4xx, a timeout); each later one
# waits twice as long, at most an hour. A permanent refusal (SMTP 5xx) fails at once.
POSTSALE_EMAIL_FIRST_RETRY = env.int("POSTSALE_EMAIL_FIRST_RETRY", default=30)
# Inbound attachments larger than this, or of a type not listed, are dropped.
POSTSALE_INBOUND_MAX_ATTACHMENT_BYTES = env.int(
    "POSTSALE_INBOUND_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024
)

# --- Inbound mail: the ESP's webhooks (README "Running it in public", "Inbound mail") ---------
# The ESP whose routes answer under /anymail/<esp>/ (replies from buyers, delivery events); every
# other ESP's are 404. With DEBUG off they must be locked: ANYMAIL_WEBHOOK_SECRET ("user:password",
# the password 16+ random characters, written into the URL the ESP posts to) or the ESP's signing
# key where anymail checks signatures; the system check messaging.E001 refuses to start without.
POSTSALE_WEBHOOK_ESP = env("POSTSALE_WEBHOOK_ESP", default=ANYMAIL_ESP)
# A webhook post with mail larger than this is refused (413); Django reads no more than
# DATA_UPLOAD_MAX_MEMORY_SIZE of a request either.
POSTSALE_INBOUND_MAX_BYTES = env.int("POSTSALE_INBOUND_MAX_BYTES", default=DATA_UPLOAD_MAX_MEMORY_SIZE)
# E-mails read into cases per sender, and per shop, within the window (seconds); more are kept as
# "limited" and not read (a superuser can read one in from the admin).
POSTSALE_INBOUND_PER_SENDER = env.int("POSTSALE_INBOUND_PER_SENDER", default=20)
POSTSALE_INBOUND_PER_SHOP = env.int("POSTSALE_INBOUND_PER_SHOP", default=600)
POSTSALE_INBOUND_WINDOW = env.int("POSTSALE_INBOUND_WINDOW", default=3600)
CELERY_BEAT_SCHEDULE["messaging-inbound-sweep"] = {
    "task": "messaging.tasks.inbound_sweep",
    "schedule": env.int("POSTSALE_INBOUND_SWEEP_SECONDS", default=60),
}
# Who had which case open: rows of agents gone for a day are of no use.
CELERY_BEAT_SCHEDULE["desk-presence-sweep"] = {"task": "desk.tasks.sweep_presence", "schedule": 6 * 60 * 60}
# A delivery left "processing" this long lost its worker (the task's hard limit is 30 s).
POSTSALE_INBOUND_STALE_SECONDS = env.int("POSTSALE_INBOUND_STALE_SECONDS", default=120)
# A webhook of a shop system still "received" this long after it came lost its task: swept up again.
POSTSALE_WEBHOOK_LOST_SECONDS = env.int("POSTSALE_WEBHOOK_LOST_SECONDS", default=120)

# --- Security (production) -----------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# --- Content-Security-Policy (django-csp) ----------------------------------------
# On every page: scripts, styles and images only from our own origin and static files; no
# inline code, no eval, no requests to other origins, no framing, no <base> or plugins. An
# injected <script>, onclick= or style= does not run. A few pages add one thing each with
# csp_update, on that page only: data: images on the API docs (Swagger UI's icons), style
# attributes on DRF's browsable API (config/api/renderers.py), inline styles where an
# e-mail's HTML is shown in a sandboxed frame (the admin's e-mail text preview, the
# development mailbox). The browser tests fail on anything Chromium refuses.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Secure cookies follow HTTPS; a plain-HTTP local stack (docker compose) switches both off.
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=SECURE_SSL_REDIRECT)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Desk and portal ---------------------------------------------------------
# Hours a new case may wait for its first answer to the buyer, and to be resolved (0: no target),
# for a shop without an SLA policy of its own. Business hours when the shop has opening hours.
POSTSALE_FIRST_RESPONSE_HOURS = env.int("POSTSALE_FIRST_RESPONSE_HOURS", default=24)
POSTSALE_RESOLUTION_HOURS = env.int("POSTSALE_RESOLUTION_HOURS", default=0)
# Days a signed portal link in an e-mail keeps working, and the lookups allowed per window.
POSTSALE_PORTAL_LINK_DAYS = env.int("POSTSALE_PORTAL_LINK_DAYS", default=30)
POSTSALE_PORTAL_LOOKUPS = env.int("POSTSALE_PORTAL_LOOKUPS", default=10)
POSTSALE_PORTAL_LOOKUP_WINDOW = env.int("POSTSALE_PORTAL_LOOKUP_WINDOW", default=600)
POSTSALE_RETURN_LABEL_PROVIDER = env("POSTSALE_RETURN_LABEL_PROVIDER", default="postsale")
