"""Settings for pytest. DATABASE_URL and REDIS_URL switch the suite onto PostgreSQL and Redis."""

import uuid

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
PRIVATE_STORAGE_ROOT = VAR_DIR / "test-private"
STORAGES = {
    "default": {
        "BACKEND": "portal.core.storage.PrivateStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
LANGUAGE_CODE = "zh-hans"
# Several test runs may share one PostgreSQL server (helpers, CI): a suffix keeps them apart.
_suffix = env.str("PORTAL_TEST_DB_SUFFIX", default="")
if _suffix and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"test_portal_{_suffix}"}

# Rate-limit counters live in the cache, which on Redis outlives a test run: each run counts
# under its own prefix (tests/kiosk give each test its own).
KIOSK_RATE_LIMIT_PREFIX = f"kiosk-rl-test-{uuid.uuid4().hex}"

STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
