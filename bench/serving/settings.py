"""Settings for the serving benchmark: the portal's base settings on a throw-away SQLite file.

BENCH_STACK picks the middleware:
- ``django``: the MIDDLEWARE that ``django-admin startproject`` writes, as in the figures the
  issue quotes (a hello view "with the default middleware");
- ``portal``: the portal's own MIDDLEWARE, for its real pages.

BENCH_DATABASE_URL puts the benchmark on PostgreSQL instead of a throw-away SQLite file.
"""

import os
from pathlib import Path

import environ

from config.settings.base import *  # noqa: F403
from config.settings.base import MIDDLEWARE as PORTAL_MIDDLEWARE

BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/portal-bench-serving"))
BENCH_STACK = os.environ.get("BENCH_STACK", "portal")

DEBUG = False
SECRET_KEY = "bench-only-secret-key"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.serving.urls"
if os.environ.get("BENCH_DATABASE_URL"):
    # PostgreSQL as in production, where a page's queries make sync workers wait.
    DATABASES = {"default": environ.Env.db_url_config(os.environ["BENCH_DATABASE_URL"])}
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BENCH_DIR / "bench.sqlite3"),
            "OPTIONS": {"timeout": 20},
        }
    }
# The WebSocket benchmark relays through Redis, as production does (BENCH_REDIS_URL).
if os.environ.get("BENCH_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # As config/settings/base.py; BENCH_REDIS_MAX_CONNECTIONS=100 brings back
                # redis-py's default pool, which fails a burst of 100 joins with HTTP 500.
                "hosts": [
                    {
                        "address": os.environ["BENCH_REDIS_URL"],
                        "max_connections": int(
                            os.environ.get("BENCH_REDIS_MAX_CONNECTIONS", "1000")
                        ),
                    }
                ],
                "prefix": os.environ.get("BENCH_CHANNEL_PREFIX", "bench"),
                "capacity": 5000,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://"
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# No access or request logging (it would measure the log file), but errors are written down:
# a run that answered errors measured error pages.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING", "propagate": False}},
}

DJANGO_DEFAULT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if BENCH_STACK == "django":
    MIDDLEWARE = DJANGO_DEFAULT_MIDDLEWARE
elif BENCH_STACK == "portal":
    MIDDLEWARE = PORTAL_MIDDLEWARE
else:
    raise ValueError(f"BENCH_STACK must be 'django' or 'portal', not {BENCH_STACK!r}")
