"""Settings for pbx, all read from the environment (see README "Configuration").

Defaults are safe for a first run on a laptop: an SQLite file under var/, DEBUG off,
localhost only. Production sets DATABASE_URL to PostgreSQL and PBX_SECRET_KEY.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PBX_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def _secret_key():
    """PBX_SECRET_KEY, or one generated once and kept in var/ so sessions survive restarts."""
    if key := os.environ.get("PBX_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("PBX_DEBUG", False)
ALLOWED_HOSTS = env_list("PBX_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("PBX_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "pbx.api.views.csrf_failure"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'pbx.sqlite3'}",
        conn_max_age=env_int("PBX_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share the file. A write transaction takes the lock when it
    # begins (IMMEDIATE) and waits for it up to `timeout` seconds, where SQLite's default
    # would fail with "database is locked" as soon as two transactions both want to write;
    # WAL lets reads go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )

# Read replicas (docs/scaling.md, "Read replicas"): DATABASE_REPLICA_URL names one or
# several streaming replicas of the primary, comma-separated. Each becomes an alias
# (`replica`, `replica_2`, ...) and pbx.replicas routes the large reads to them; a
# replica unreachable is left out for PBX_REPLICA_RETRY_SECONDS.
PBX_REPLICA_RETRY_SECONDS = env_int("PBX_REPLICA_RETRY_SECONDS", 30)


def _replica_database(url):
    """A replica's connection: its own address, the primary's other settings, and a short
    connect_timeout, so that an unreachable replica costs a request two seconds at most
    (once per retry period) before its reads go to the primary."""
    primary, replica = DATABASES["default"], dj_database_url.parse(url)
    if "postgresql" not in primary["ENGINE"] or "postgresql" not in replica["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL: a postgres:// DATABASE_URL and postgres:// replicas."
        )
    return {
        **primary,
        **{key: replica[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "OPTIONS": {**primary.get("OPTIONS", {}), **replica.get("OPTIONS", {}), "connect_timeout": 2},
        "TEST": {"MIRROR": "default"},  # tests read their test database through it
    }


PBX_REPLICA_ALIASES = []  # filled below: the aliases pbx.replicas reads from
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URL", []), start=1):
    PBX_REPLICA_ALIASES.append("replica" if _index == 1 else f"replica_{_index}")
    DATABASES[PBX_REPLICA_ALIASES[-1]] = _replica_database(_url)
if PBX_REPLICA_ALIASES:
    DATABASE_ROUTERS = ["pbx.replicas.ReplicaRouter"]

# Connection pooling (docs/scaling.md). PBX_DB_POOLING=transaction: pbx reaches
# PostgreSQL through pgbouncer in transaction pooling mode, where each transaction (each
# statement, in autocommit) may run on another server connection; so nothing may live
# on a server connection past a transaction. What pbx itself does is already
# transaction-scoped: the CDR ingest's staging table is ON COMMIT DROP inside its
# transaction, the CDR export's `SET LOCAL DateStyle` is inside its own, the webhook
# and cron workers claim rows with FOR UPDATE SKIP LOCKED inside theirs, and pbx takes
# no advisory lock and LISTENs to nothing. What Django would do is switched here:
DB_POOLING = os.environ.get("PBX_DB_POOLING", "").strip().lower()
if DB_POOLING not in ("", "off", "session", "transaction"):
    raise ImproperlyConfigured(f"PBX_DB_POOLING must be transaction, session or off, not {DB_POOLING!r}")
if DB_POOLING == "transaction":
    for _database in DATABASES.values():
        if _database["ENGINE"] != "django.db.backends.postgresql":
            continue  # pgbouncer pools PostgreSQL alone (an SQLite file needs nothing)
        # QuerySet.iterator() declares a named (server-side) cursor; outside a
        # transaction Django declares it WITH HOLD and fetches each chunk in a
        # transaction of its own, which pgbouncer may send to a server connection where
        # the cursor does not exist. Without them, iterator() reads through an ordinary
        # cursor (the CSV downloads of pbx/api/pagination.py; CDR exports are one COPY).
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        # psycopg 3 prepares a statement on the server after it has run a few times (a
        # named prepared statement lives on one server connection): never. Django
        # already asks psycopg for no prepared statements; this holds even if
        # DATABASE_URL's query string asks for them (`?prepare_threshold=5`). Parameters
        # are bound on the client (Django's default), which pgbouncer passes through.
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None
        # Django's own pool (OPTIONS "pool") in front of pgbouncer's would hold server
        # connections twice over. Persistent connections (CONN_MAX_AGE) stay: they are
        # connections to pgbouncer, cheap, and spare each request a connection setup.
        # The time zone Django SETs on a new connection (UTC) is one of the parameters
        # pgbouncer tracks and sets again on whichever server connection it hands over.
        _database["OPTIONS"].pop("pool", None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pbx",
    "tenants",
    "apikeys",
    "extensions",
    "media",
    "routing",
    "campaigns",
    "cdrs",
    "webhooks",
    "switch",
    "compat",
]

MIDDLEWARE = [
    "pbx.metrics.middleware.MetricsMiddleware",  # first: it times and counts what the others answer
    "pbx.middleware.RequestIdMiddleware",
    "pbx.middleware.ApiGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pbx.urls"
WSGI_APPLICATION = "pbx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pbx" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("PBX_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start while it is missing
MEDIA_ROOT = Path(os.environ.get("PBX_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Behind a TLS-terminating proxy, set PBX_SECURE_PROXY=true.
if env_bool("PBX_SECURE_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True


def _cache(url):
    """PBX_CACHE_URL: locmem:// (per process, the default) or redis://host:port/db (shared
    by every process, so throttling counts across a whole deployment)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url in ("", "locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"PBX_CACHE_URL must be locmem:// or redis://..., not {url!r}")


CACHES = {"default": _cache(os.environ.get("PBX_CACHE_URL", ""))}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PBX_LOG_LEVEL", "WARNING")},
}

# --- API behaviour switches -------------------------------------------------------------

# Accept the key as ?key=... (as MiRTA PBX's clients send it). Keys in URLs end up in access logs:
# operators who do not need it switch it off.
PBX_ALLOW_KEY_IN_QUERY = env_bool("PBX_ALLOW_KEY_IN_QUERY", True)
# How long a login token from POST /api-auth/login/ lives.
PBX_LOGIN_TOKEN_HOURS = env_int("PBX_LOGIN_TOKEN_HOURS", 24)
# Largest request body accepted under /api/ (413 payload_too_large above it).
PBX_MAX_BODY_BYTES = env_int("PBX_MAX_BODY_BYTES", 10 * 1024 * 1024)
# Requests per API key (or user, or client IP when anonymous); "off" disables.
PBX_THROTTLE_RATE = os.environ.get("PBX_THROTTLE_RATE", "6000/min")
# Use the left-most X-Forwarded-For address as the client IP (only behind a trusted proxy).
PBX_TRUST_X_FORWARDED_FOR = env_bool("PBX_TRUST_X_FORWARDED_FOR", False)
# The change log (docs/api.md). Only benchmarks switch it off, to measure its cost.
PBX_CHANGE_LOG = env_bool("PBX_CHANGE_LOG", True)
# How long an Idempotency-Key's first answer is replayed.
PBX_IDEMPOTENCY_HOURS = env_int("PBX_IDEMPOTENCY_HOURS", 24)
# Lowest acceptable length of a SIP password.
PBX_MIN_SIP_PASSWORD_LENGTH = env_int("PBX_MIN_SIP_PASSWORD_LENGTH", 10)
# Largest audio file accepted (media files, recordings, voicemail); above it, 413.
PBX_MEDIA_MAX_BYTES = env_int("PBX_MEDIA_MAX_BYTES", 5 * 1024 * 1024)
# Days recordings and voicemail messages are kept by `purge_media` when neither the
# tenant's nor the global MEDIA_RETENTION_DAYS setting says otherwise; 0 keeps them.
PBX_MEDIA_RETENTION_DAYS = env_int("PBX_MEDIA_RETENTION_DAYS", 0)
# Webhooks (docs/webhooks.md). Private, loopback and link-local receivers are refused
# unless allowed here (so that a tenant cannot aim the platform at its internal network).
PBX_WEBHOOKS_ALLOW_PRIVATE = env_bool("PBX_WEBHOOKS_ALLOW_PRIVATE", False)
# Seconds to wait for a receiver's answer (connect and read), and for a DNS lookup.
PBX_WEBHOOKS_TIMEOUT = env_int("PBX_WEBHOOKS_TIMEOUT", 5)
PBX_WEBHOOKS_DNS_TIMEOUT = env_int("PBX_WEBHOOKS_DNS_TIMEOUT", 2)
# Tries before a delivery is dead, and the backoff between them: base * 2**(try-1) seconds,
# capped, with up to 25% jitter.
PBX_WEBHOOKS_MAX_ATTEMPTS = env_int("PBX_WEBHOOKS_MAX_ATTEMPTS", 10)
PBX_WEBHOOKS_BACKOFF_SECONDS = env_int("PBX_WEBHOOKS_BACKOFF_SECONDS", 30)
PBX_WEBHOOKS_BACKOFF_MAX_SECONDS = env_int("PBX_WEBHOOKS_BACKOFF_MAX_SECONDS", 6 * 3600)
# How long a worker's claim on a delivery lasts; a killed worker's claims are due again after it.
PBX_WEBHOOKS_LEASE_SECONDS = env_int("PBX_WEBHOOKS_LEASE_SECONDS", 60)
# Dead deliveries in a row after which a webhook is disabled (0: never).
PBX_WEBHOOKS_DISABLE_AFTER = env_int("PBX_WEBHOOKS_DISABLE_AFTER", 20)

# Metrics (docs/metrics.md): /metrics answers the client addresses and networks listed
# here (comma-separated), and when PBX_METRICS_TOKEN is set, only with
# `Authorization: Bearer <token>` too. PROMETHEUS_MULTIPROC_DIR, for gunicorn only,
# makes it the sum of every worker's.
PBX_METRICS_ALLOW = env_list("PBX_METRICS_ALLOW", ["127.0.0.1", "::1"])
PBX_METRICS_TOKEN = os.environ.get("PBX_METRICS_TOKEN", "")

# The most seconds Kamailio may keep an answer of GET /api/switch/did/ (never past a
# schedule's next change of state, which pbx computes): how long any change made through
# the API (a DID's destination, a schedule, a do-not-disturb, a flow) may take to apply
# to calls from carriers. 0, the default: none, every change applies at the next call.
PBX_SWITCH_ANSWER_TTL = env_int("PBX_SWITCH_ANSWER_TTL", 0)
# FreeSWITCH's directory (POST /api/switch/freeswitch/): give each user's `a1-hash`
# (MD5 of user:realm:password) instead of its `password`, so the clear password never
# travels to FreeSWITCH. Off by default, as FusionPBX: a plain password also lets
# FreeSWITCH register to others with it (reverse-auth) and voicemail log in.
PBX_FREESWITCH_A1_HASH = env_bool("PBX_FREESWITCH_A1_HASH", False)

DATA_UPLOAD_MAX_MEMORY_SIZE = PBX_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apikeys.authentication.ApiKeyAuthentication",
        "apikeys.authentication.BasicAuthentication",
        "apikeys.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["pbx.api.permissions.ScopePermission"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "pbx.api.renderers.CSVRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "pbx.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "pbx.api.pagination.PagePagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "pbx.api.filters.FilterBackend",
        "pbx.api.filters.SearchFilter",
        "pbx.api.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["pbx.api.throttling.KeyRateThrottle"],
    "EXCEPTION_HANDLER": "pbx.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "pbx.api.schema.PbxAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "pbx API",
    "DESCRIPTION": (
        "Multi-tenant PBX provisioning and call records. Authenticate with an API key "
        "(`X-API-Key`, `Authorization: Bearer`, `Authorization: Token` or `?key=`), HTTP Basic, "
        "or the admin session. Errors share one envelope: "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The sidecar's Redoc, served by pbx.api.views.redoc_bundle without its CDN logo.
    "REDOC_DIST": "/api/redoc",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pbx.api.schema.add_error_responses",
        "pbx.api.schema.add_tags",
    ],
    "ENUM_NAME_OVERRIDES": {
        # A greeting's kind would otherwise rename the pickup group's KindEnum.
        "KindEnum": "extensions.models.PickupGroup.Kind",
        "GreetingKindEnum": "media.models.VoicemailGreeting.Kind",
        "VoicemailFolderEnum": "media.models.VoicemailMessage.Folder",
        "AudioFormatEnum": "media.audio.FORMAT_CHOICES",
    },
}

# Password logins (POST /api-auth/login/) per client IP.
PBX_LOGIN_THROTTLE_RATE = os.environ.get("PBX_LOGIN_THROTTLE_RATE", "20/min")

# Click-to-dial (docs/switches.md, "Click-to-dial"). A tenant's calls being placed at
# once: an originate counts from its request until the media server has taken it, and
# then for PBX_ORIGINATE_RING_SECONDS (pbx hears no hangup of a click-to-dial call).
PBX_ORIGINATE_LIMIT = env_int("PBX_ORIGINATE_LIMIT", 5)
PBX_ORIGINATE_RING_SECONDS = env_int("PBX_ORIGINATE_RING_SECONDS", 60)
# Seconds to connect to, and then to wait for each answer of, Asterisk AMI or FreeSWITCH ESL.
PBX_ORIGINATE_TIMEOUT = env_int("PBX_ORIGINATE_TIMEOUT", 3)
# The dialplan context the destination is dialled in; empty: the tenant's SIP domain
# (FusionPBX's convention, one context per domain).
PBX_ORIGINATE_CONTEXT = os.environ.get("PBX_ORIGINATE_CONTEXT", "")
