"""config.settings.production for the HTTP benchmarks (B1, B6, B9): the same settings, with
Django's hello view beside the portal's own URLs (bench/serving/urls.py; the portal's URLconf
stays untouched) and static files collected into var/bench-static."""

from config.settings.base import VAR_DIR
from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.serving.urls"
STATIC_ROOT = VAR_DIR / "bench-static"
