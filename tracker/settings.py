"""Settings for the attribution tracker.

Every value comes from the environment (see ``.env.example``). Unset, the
defaults give the embedded development setup: SQLite and Celery tasks run
in-process. With ``DATABASE_URL`` and ``CELERY_BROKER_URL`` set it is the
production setup.
"""

import ipaddress
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Only development may run on a made-up key; anything else must be given one.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "claims.apps.TrackerAdminConfig",  # django.contrib.admin, with the tracker's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "simple_history",
    "csp",
    "claims",
]

MIDDLEWARE = [
    "log_request_id.middleware.RequestIDMiddleware",
    # The security headers wrap everything below, refusals (413, 503) and
    # static files (WhiteNoise answers them itself) included.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "claims.middleware.PrivateApiResponsesMiddleware",
    "claims.middleware.RequestSizeLimitMiddleware",
    # A database outage around a view (ATOMIC_REQUESTS) answers 503, not 500.
    "claims.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

# Admin logins: locked out after AXES_FAILURE_LIMIT failures for a username
# from one address, for AXES_COOLOFF_HOURS (django-axes); staff need a second
# factor (django-otp: a TOTP app) unless ADMIN_OTP_REQUIRED is off, the
# development default. See README "Admin accounts".
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The research group's model permissions: members of a research team.
    "claims.backends.ResearchTeamBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
ADMIN_OTP_REQUIRED = env.bool("ADMIN_OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Attribution tracker")

ROOT_URLCONF = "tracker.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    # Evidence files and raw uploads: never under a public URL; served only by
    # a view that checks permission (claims.views.evidence_file).
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media"), "base_url": None},
    },
    "staticfiles": {
        # The manifest needs `collectstatic` first: on in production, off in
        # development and tests.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
# Django does not cap file uploads by itself; this caps what is kept in memory
# and the request body; the upload size limit proper is enforced on the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
# A multipart body cut off before its closing boundary is refused (400), not
# parsed as if complete; then Django's own handlers, as by default.
FILE_UPLOAD_HANDLERS = [
    "claims.uploads.ClosingBoundaryRequired",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Shared by every web process (API throttling counts); in-process by default.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# A Redis cache that is down answers within a second (the API throttle then
# lets requests through), rather than holding requests until the OS gives up.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=1, socket_timeout=1)

# The REST API (claims/api/). Keys for fact-checking teams; sessions for the
# browsable API. Anonymous reads of published claims only when turned on.
API_ANONYMOUS_READ = env.bool("API_ANONYMOUS_READ", default=False)
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "claims.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.api.permissions.TrackerPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "claims.api.filters.Ordering",
    ],
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.Cursor",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "claims.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "claims.api.parsers.JSONParser",  # DRF's, with nesting bounded
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["claims.api.throttling.PerKeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api": env.str("API_THROTTLE_RATE", default="1200/minute"),
        "anon": env.str("API_ANON_THROTTLE_RATE", default="60/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "claims.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# ClaimReview exports (README "ClaimReview"): who publishes them, with its public
# site ("" = none given: this site's root serves no page), and the public page
# that presents each review, e.g. "https://checkers.example.org/claims/{id}/"
# ("" = none: the export then has no url, and is not ready to publish).
CLAIMREVIEW_PUBLISHER_NAME = env.str("CLAIMREVIEW_PUBLISHER_NAME", default="Attribution Tracker")
CLAIMREVIEW_PUBLISHER_URL = env.str("CLAIMREVIEW_PUBLISHER_URL", default="")
CLAIMREVIEW_URL_TEMPLATE = env.str("CLAIMREVIEW_URL_TEMPLATE", default="")
if CLAIMREVIEW_URL_TEMPLATE and (
    "{id}" not in CLAIMREVIEW_URL_TEMPLATE or not CLAIMREVIEW_URL_TEMPLATE.startswith(("https://", "http://"))
):
    raise ImproperlyConfigured("CLAIMREVIEW_URL_TEMPLATE: an absolute URL with {id}, the claim's id.")
SPECTACULAR_SETTINGS = {
    "TITLE": "Attribution Tracker API",
    "DESCRIPTION": (
        "Who claimed what, on what evidence: claims, actors and their aliases, dated stances, evidence, "
        "reports and the matcher's flags. Authenticate with `Authorization: Api-Key <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No "valid" badge fetched from swagger.io (it would send our schema's URL there).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "claims.api.schema.add_error_responses",
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ActorKind": "claims.models.Actor.Kind",
        "AliasKind": "claims.models.ActorAlias.Kind",
        "ClaimKind": "claims.models.Claim.Kind",
        "SourceKind": "claims.models.Source.Kind",
        "EvidenceKind": "claims.models.Evidence.Kind",
        "ClaimStatus": "claims.models.Claim.Status",
        "ReportStatus": "claims.models.Report.Status",
        "FlagStatus": "claims.models.Flag.Status",
        "DatePrecision": "claims.models.DatePrecision",
        "ReviewStatus": "claims.models.ReviewStatus",
        "WebhookEvent": "claims.models.WebhookEvent",
    },
}

# Celery. Without a broker, tasks run in-process (eagerly) so the embedded
# setup works with nothing else running; scheduled jobs (beat) do not run then.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# A message not acknowledged within this time is redelivered by Redis. It must
# exceed the hard time limit, or a long task would run twice; the database
# lease (REPORT_LEASE_SECONDS) is what guarantees recovery either way.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "reports"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# A report's processing lease: longer than the task's hard time limit, so an
# expired lease means the worker died and the sweep may re-enqueue the report.
REPORT_LEASE_SECONDS = env.int("REPORT_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=5)
# A matching run stops after this many seconds from its start and leaves the
# rest of a long report to the next run, at the back of the queue, so one
# upload never holds a worker for long. Well below the soft time limit: the
# run's start includes loading the report and, after a record change,
# rebuilding the claim index.
REPORT_MATCH_SECONDS = env.int("REPORT_MATCH_SECONDS", default=max(1, CELERY_TASK_SOFT_TIME_LIMIT // 3))
# The archive re-match of a new or edited claim scores at most this many past
# reports, the most relevant to the claim first (0: every report sharing two
# of its words); in runs of REPORT_MATCH_SECONDS on the archive queue.
ARCHIVE_REMATCH_MAX_REPORTS = env.int("ARCHIVE_REMATCH_MAX_REPORTS", default=10_000)
# A PENDING report whose task was sent this long ago and never started is sent again.
REPORT_REQUEUE_SECONDS = env.int("REPORT_REQUEUE_SECONDS", default=300)

# Semantic similarity in the matcher: "auto" uses it when the optional
# requirements-semantic.txt is installed; "false" forces the lexical matcher.
# Any other value is refused: a typo must not quietly turn embeddings off.
_MATCHER_EMBEDDINGS_VALUES = {"auto": None, **dict.fromkeys(("1", "true", "yes", "on"), True),
                              **dict.fromkeys(("0", "false", "no", "off"), False)}  # fmt: skip
_matcher_embeddings = env.str("MATCHER_EMBEDDINGS", default="auto").strip().lower()
if _matcher_embeddings not in _MATCHER_EMBEDDINGS_VALUES:
    raise ImproperlyConfigured(
        f"MATCHER_EMBEDDINGS: {_matcher_embeddings!r} is none of auto, true or false (or 1/0, yes/no, on/off)."
    )
MATCHER_EMBEDDINGS = _MATCHER_EMBEDDINGS_VALUES[_matcher_embeddings]

# Webhooks: attempts per delivery, backoff (exponential, capped, with jitter), request limits.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# The sweep re-sends a pending delivery whose next attempt has been due this long (its message was lost).
WEBHOOK_REQUEUE_SECONDS = env.int("WEBHOOK_REQUEUE_SECONDS", default=300)
# Development only: private addresses or networks webhooks may reach (e.g.
# "127.0.0.1" for a receiver on this machine while trying the product).
# Refused when DEBUG is off; cloud metadata addresses stay refused. See README "Webhooks".
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.list("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=[])
if WEBHOOK_ALLOW_PRIVATE_TARGETS and not DEBUG:
    raise ImproperlyConfigured(
        "WEBHOOK_ALLOW_PRIVATE_TARGETS is for development only and needs DEBUG on "
        "(set both for `make run`, not in a production .env)."
    )
for _target in WEBHOOK_ALLOW_PRIVATE_TARGETS:
    try:
        ipaddress.ip_network(_target, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"WEBHOOK_ALLOW_PRIVATE_TARGETS: {_target!r} is not an IP address or network (e.g. 127.0.0.1)."
        ) from None

# Three queues: new reports, archive re-matching (slow, after claim edits) and
# webhook deliveries (slow receivers): none delays another.
CELERY_TASK_ROUTES = {
    "claims.tasks.match_report": {"queue": "reports"},
    "claims.tasks.sweep_reports": {"queue": "reports"},
    "claims.tasks.rematch_claim": {"queue": "archive"},
    "claims.tasks.deliver_webhook": {"queue": "webhooks"},
    "claims.tasks.sweep_webhook_deliveries": {"queue": "webhooks"},
}
# /healthz answers 503 when a queue's workers have not consumed a heartbeat for this long.
WORKER_QUEUES = ["reports", "archive", "webhooks"]
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=120)
# Beat sends each queue a heartbeat this often; one not consumed by then expires.
HEARTBEAT_SECONDS = env.int("HEARTBEAT_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "sweep-reports": {"task": "claims.tasks.sweep_reports", "schedule": env.int("SWEEP_INTERVAL_SECONDS", default=60)},
    "poll-due-feeds": {"task": "claims.tasks.poll_due_feeds", "schedule": env.int("FEED_CHECK_SECONDS", default=60)},
    **{
        f"heartbeat-{queue}": {
            "task": "claims.tasks.heartbeat",
            "schedule": HEARTBEAT_SECONDS,
            "args": (queue,),
            "options": {"queue": queue, "expires": HEARTBEAT_SECONDS},
        }
        for queue in WORKER_QUEUES
    },
    "sweep-webhooks": {
        "task": "claims.tasks.sweep_webhook_deliveries",
        "schedule": env.int("WEBHOOK_SWEEP_SECONDS", default=300),
    },
}

# Logs: one JSON object a line in production (LOG_FORMAT=json, the default
# when DEBUG is off), plain text in development. Every line of a request
# carries its id (taken from X-Request-ID behind a proxy that sets it, else
# generated, and returned in the response's X-Request-ID).
LOG_REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
GENERATE_REQUEST_ID_IF_NOT_IN_HEADER = True
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "log_request_id.filters.RequestIDFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="plain" if DEBUG else "json"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Behind a TLS-terminating proxy (see docker-compose.yml and .env.example).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# Behind the proxy, the client's address is the one it appends to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = 1 if BEHIND_TLS_PROXY else None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if BEHIND_TLS_PROXY else ["REMOTE_ADDR"]
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks (compose, a load balancer) ask over plain HTTP from inside:
# answered there, not sent to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# HSTS preloading is a commitment that is hard to undo (every subdomain, for
# months, in every browser): an operator opts in; the deploy check's reminder
# (security.W021) is silenced until then rather than preloading by default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy on every response (django-csp; see README "Security
# headers"). Scripts come from this origin only, none inline; an inline <style>
# of a page we render carries the request's nonce (csp_nonce). An operator may
# have browsers report violations to CSP_REPORT_URI, and may send the policy
# as Content-Security-Policy-Report-Only (CSP_REPORT_ONLY) while trying a change.
_csp_policy = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        # No style attributes but the one of simple_history's history list
        # (its paginator's "border-top: 0"), allowed by its hash alone.
        "style-src-attr": ["'unsafe-hashes'", "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
        # The admin's and Swagger UI's icons are data: URIs.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "report-uri": env.str("CSP_REPORT_URI", default="") or None,
    }
}
# (Not a setting named CSP_REPORT_ONLY: django-csp takes that for a 3.x setting.)
_csp_report_only = env.bool("CSP_REPORT_ONLY", default=False)
CONTENT_SECURITY_POLICY = None if _csp_report_only else _csp_policy
CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy if _csp_report_only else None
# Nothing here uses a camera, microphone, location or the like; no page, nor
# anything framed or injected into one, may ask for them (django-permissions-policy).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
