"""The embedded default that `make run` serves: SQLite, in-memory channels, filesystem broker."""

from .base import *  # noqa: F403
from .base import STORAGES, env

# The portal's own error pages, as users see them; DJANGO_DEBUG=1 for Django's debug pages
# and static files read straight from the source folders.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# seed_demo fills this database (`make run`'s demo target) although DEBUG is off.
PORTAL_DEMO_DATA = True
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

if DEBUG:
    # Static files straight from the source folders, re-read on each request.
    STATIC_ROOT = None  # type: ignore[assignment]
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
else:
    # As in production: `make run` collects them first, with hashed names (cached for a year)
    # and gzip/Brotli copies.
    STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
