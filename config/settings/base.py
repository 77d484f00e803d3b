"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path

import environ
from csp import constants as csp_constants
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-key-change-me")
# Earlier keys, still accepted for what they signed (sessions, claimants' secrets) while rotating.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Range fields and the exclusion constraint against double-booked rooms (PostgreSQL only;
    # harmless on SQLite).
    "django.contrib.postgres",
    "channels",
    "guardian",
    "axes",
    "portal.core",
    "portal.cases",
    "portal.kiosk",
    "portal.referrals",
    "portal.meetings",
    "portal.mediation",
    "portal.clues",
    "portal.messaging",
    "portal.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed; static files never reach it (WhiteNoise above answers them with its own
    # pre-compressed copies). BREACH: docs/architecture.md, "Compression".
    "django.middleware.gzip.GZipMiddleware",
    "portal.core.middleware.RequestContextMiddleware",
    # Beside the other synchronous one: no extra thread hop under ASGI.
    "portal.core.middleware.StorageFaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.core.middleware.AdminEmptyToFieldMiddleware",
    # Content-Security-Policy (below) and Cache-Control: private, no-store on every page and
    # download the portal makes (static files are answered before, by WhiteNoise).
    "csp.middleware.CSPMiddleware",
    "portal.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "portal.core.context_processors.portal",
                "portal.kiosk.context_processors.intake",
            ],
        },
    },
]

# --- data stores -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A local, single-machine default: wait for the writer instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # A SELECT 1 before the first query of each request. The WebSocket process turns it off
    # (docker-compose.yml): there every database call of a socket is a "request", and a broken
    # connection is dropped after the one call that failed on it anyway.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool(
        "DATABASE_CONN_HEALTH_CHECKS", default=True
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 caps an async pool at 100 connections and raises past it instead
                # of waiting: 100 pages reconnecting at once (after a restart of the WebSocket
                # process) got HTTP 500. bench/serving/ws.py reproduces it.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=1000),
                        # redis-py 8 reads with a 5 s socket timeout, the very time channels_redis
                        # blocks in BZPOPMIN: under load the timeout won the race and closed a
                        # socket with 1011 (bench/b3_ws.py). Longer than the blocking pop.
                        "socket_timeout": env.float("CHANNEL_LAYER_SOCKET_TIMEOUT", default=15),
                    }
                ],
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=1500),
                "expiry": env.int("CHANNEL_LAYER_EXPIRY", default=10),
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="portal"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ------------------------------------------------------------------------------------
# Without REDIS_URL the broker is kombu's filesystem transport: no server to run.
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {
        # Redis gives a task back to the queue when the worker that took it has not
        # acknowledged it within this many seconds (a worker killed outright, bench/b8_celery.py):
        # a killed worker's tasks come back within about a minute. It must outlast the longest
        # acknowledged-late task (CELERY_TASK_TIME_LIMIT) plus the longest retry countdown the
        # worker holds (CELERY_RETRY_BACKOFF_MAX), or a task still running or waiting is
        # delivered a second time (tests/core/test_celery_settings.py).
        "visibility_timeout": env.float("CELERY_VISIBILITY_TIMEOUT", default=60),
        # Look for messages to give back every few seconds (kombu scans every Nth look).
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
    }
)
# The worker outlives a broker restart: it retries the connection at start-up and for good
# afterwards instead of exiting (issue 17: the worker exited during a Redis restart).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_HEARTBEAT = 10
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_POOL_LIMIT = 10
# A publish that finds no broker fails fast (the outbox resends it: portal/core/outbox.py)
# instead of holding the request that committed.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# No task runs longer than this (a hung one is killed), so a running task is never handed out
# again while it runs; sweeps run by beat are acknowledged early and have their own limit.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30)
# Retries after a lost database connection or mail server: exponential with jitter, capped so
# that countdown and run together stay inside the visibility timeout (portal/core/retry.py).
CELERY_RETRY_BACKOFF_MAX = env.int("CELERY_RETRY_BACKOFF_MAX", default=20)
# The outbox (portal/core/outbox.py): a task published but not done after this many seconds is
# published again by the sweep, at most OUTBOX_MAX_ATTEMPTS times in all.
OUTBOX_RESEND_AFTER_SECONDS = env.int("OUTBOX_RESEND_AFTER_SECONDS", default=600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_KEEP_DONE_DAYS = 7
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
# A task whose pool process dies mid-run (SIGKILL, the OOM killer) goes back to the queue; with
# late acknowledgement alone Celery acknowledges it as failed and it is lost (bench/b8_celery.py).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # After-commit tasks whose publish failed, or that were published and never done, go again.
    "outbox-sweep": {
        "task": "portal.core.tasks.outbox_sweep_task",
        "schedule": 60,
    },
    "calendar-next-year-check": {
        "task": "portal.core.tasks.calendar_next_year_check_task",
        "schedule": 6 * 3600,
    },
    "appointment-expiry-sweep": {
        "task": "portal.core.tasks.appointment_expiry_sweep_task",
        "schedule": 3600,
    },
    # Warn the mediator before the 15-day mediation term (art. 14) ends; each term once.
    "mediation-term-warnings": {
        "task": "portal.mediation.tasks.mediation_terms_warn_task",
        "schedule": 3600,
    },
    # An instalment of a mediation agreement not paid by its day alerts the mediator once.
    "mediation-instalments-missed": {
        "task": "portal.mediation.tasks.instalments_missed_sweep_task",
        "schedule": 3600,
    },
    # A filing not decided on within the 5 working days of art. 29: the committee's admins.
    "case-acceptance-overdue-sweep": {
        "task": "portal.cases.tasks.acceptance_overdue_sweep_task",
        "schedule": 3600,
    },
    "referral-overdue-sweep": {
        "task": "portal.referrals.tasks.referral_overdue_sweep_task",
        "schedule": 3600,
    },
    "clue-overdue-sweep": {
        "task": "portal.clues.tasks.clue_overdue_sweep_task",
        "schedule": 3600,
    },
    "kiosk-draft-purge": {
        "task": "portal.kiosk.tasks.kiosk_drafts_purge_task",
        "schedule": 3600,
    },
    # Reminders 24 hours and 1 hour before a meeting, each sent once (claimed per meeting).
    "meeting-reminders": {
        "task": "portal.meetings.tasks.meeting_reminders_send_task",
        "schedule": 300,
    },
    "meeting-action-item-overdue-sweep": {
        "task": "portal.meetings.tasks.action_items_overdue_sweep_task",
        "schedule": 3600,
    },
    # Unacknowledged "please acknowledge" messages come back hourly (each reminder once).
    "messaging-acknowledgement-reminders": {
        "task": "portal.messaging.tasks.acknowledgements_remind_task",
        "schedule": 600,
    },
}

# --- auth ----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
GUARDIAN_GROUP_OBJ_PERMS_MODEL = "guardian.GroupObjectPermission"
ANONYMOUS_USER_NAME = None  # no anonymous user row: the public pages need no object permissions

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Beside axes' lock-out per username: failed sign-ins per client address an hour, past which
# the address may still sign in the usernames it has signed in before (portal.core.login_limits).
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=30)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# Lock the account, not the address: an office's staff reach us from one public address, and
# "ip_address" would lock all of them after a few colleagues' typos.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions in the database with or without Redis: the kiosk's draft lives in the session and
# must outlive a Redis restart (docs/architecture.md, "Sessions").
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): the portal's own files only. No inline script or style
# (scripts are static files, `static/js/`), no eval, no CDN; the favicon is a data: URI; the
# sockets connect to the same origin ('self' covers ws:/wss: of the page's host).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}

# --- i18n ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files -----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# /favicon.ico and /robots.txt, served at the site's root by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "webroot"
# Uploads and generated documents live outside the web root and are only served by
# permission-checked views; there is deliberately no MEDIA_URL route.
PRIVATE_STORAGE_ROOT = Path(env.str("PORTAL_PRIVATE_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "portal.core.storage.PrivateStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
PORTAL_PDF_FONT_FAMILY = "WenQuanYi Micro Hei"

# --- email ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@labour.example.gov.cn")

# --- the E-law kiosk (portal.kiosk) ------------------------------------------------------------
# Rate limits as (count, window in seconds), counted in the cache (Redis in production): filing
# submits per client address and per resident ID number, status and draft lookups per client
# address and per tracking number. Past a limit the kiosk answers 429.
KIOSK_RATE_LIMITS = {
    "submit-ip": (env.int("KIOSK_SUBMITS_PER_IP_HOUR", default=30), 3600),
    "submit-id": (env.int("KIOSK_SUBMITS_PER_ID_DAY", default=3), 24 * 3600),
    # Look-ups by tracking number and secret count failures only (docs/kiosk.md, "Look-ups"):
    # per client (an address, or a visit at a kiosk terminal), per tracking number (past it,
    # each client has one failure a day on that number), per client and number, per terminal.
    "lookup-ip": (env.int("KIOSK_LOOKUP_FAILURES_PER_CLIENT_HOUR", default=20), 3600),
    "lookup-number": (env.int("KIOSK_LOOKUP_FAILURES_PER_NUMBER_DAY", default=50), 24 * 3600),
    "lookup-client-number": (
        env.int("KIOSK_LOOKUP_FAILURES_PER_CLIENT_NUMBER_DAY", default=5),
        24 * 3600,
    ),
    "lookup-terminal": (env.int("KIOSK_LOOKUP_FAILURES_PER_TERMINAL_HOUR", default=200), 3600),
    "employer-lookup": (env.int("KIOSK_EMPLOYER_LOOKUPS_PER_CLIENT_HOUR", default=30), 3600),
    # confirmations tried through one employer's one-time link (a wrong credit code...)
    "employer-link": (env.int("MEDIATION_EMPLOYER_LINK_TRIES_PER_DAY", default=5), 24 * 3600),
}
# The kiosk terminals' network: a visit in terminal mode from here counts as its own client
# (one visitor's failures do not block the next); from anywhere else terminal mode counts by
# address like any browser.
KIOSK_TERMINAL_NETWORKS = env.list(
    "KIOSK_TERMINAL_NETWORKS",
    default=["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "::1/128"],
)
# The start-up check that the processes do not connect as the tables' owner (portal.core.checks):
# run by every web and socket process in production; `migrate`, which is the owner, says so.
PORTAL_STARTUP_CHECKS = False
PORTAL_SCHEMA_OWNER = env.bool("PORTAL_SCHEMA_OWNER", default=False)
KIOSK_RATE_LIMIT_PREFIX = env.str("KIOSK_RATE_LIMIT_PREFIX", default="kiosk-rl")
# The online form's spam check: a filing submitted sooner than this after it was started is
# sent back to its review page once (no person types a claim that fast).
KIOSK_MIN_FILL_SECONDS = env.int("KIOSK_MIN_FILL_SECONDS", default=20)
# The kiosk terminal wipes the screen and the draft after this long without input, once a
# visible countdown has run out.
KIOSK_IDLE_SECONDS = env.int("KIOSK_IDLE_SECONDS", default=90)
KIOSK_IDLE_COUNTDOWN_SECONDS = env.int("KIOSK_IDLE_COUNTDOWN_SECONDS", default=30)
# A saved draft (personal information) is kept this long, then purged (PIPL art. 19).
KIOSK_DRAFT_RETENTION_DAYS = env.int("KIOSK_DRAFT_RETENTION_DAYS", default=30)
# A visitor's session on the public pages, and how long a status lookup stays open in it.
KIOSK_SESSION_SECONDS = env.int("KIOSK_SESSION_SECONDS", default=3600)
KIOSK_STATUS_SECONDS = env.int("KIOSK_STATUS_SECONDS", default=900)

PORTAL_DEMO_PASSWORD = env.str("PORTAL_DEMO_PASSWORD", default="demo-pass-2026")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
