"""Production: PostgreSQL and Redis are required, and nothing insecure is defaulted."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DATABASES = {"default": env.db("DATABASE_URL")}
# Each web and socket process checks at start that it does not connect as the tables' owner.
PORTAL_STARTUP_CHECKS = env.bool("PORTAL_STARTUP_CHECKS", default=True)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# Off in the WebSocket process (docker-compose.yml), as in base.py.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
STORAGES = {
    "default": {
        "BACKEND": "portal.core.storage.PrivateStorage",
        "OPTIONS": {
            "location": env.str("PORTAL_PRIVATE_ROOT", default="/data/private"),
            "base_url": None,
        },
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_IPWARE_PROXY_COUNT = env.int("PORTAL_PROXY_COUNT", default=1)
