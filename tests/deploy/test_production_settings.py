"""config/settings/production.py refuses to start with an insecure or missing configuration.

Each case imports the settings in a fresh interpreter: settings are read once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({'debug': settings.DEBUG, 'secret': settings.SECRET_KEY, "
    "'engine': settings.DATABASES['default']['ENGINE'], "
    "'private': settings.STORAGES['default']['OPTIONS']['location'], "
    "'secure_cookies': settings.SESSION_COOKIE_SECURE, "
    "'health_checks': settings.DATABASES['default']['CONN_HEALTH_CHECKS'], "
    "'sessions': settings.SESSION_ENGINE}))"
)
PRODUCTION_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_DEBUG",
    "PORTAL_PRIVATE_ROOT",
    "DJANGO_SECURE_COOKIES",
    "DATABASE_CONN_HEALTH_CHECKS",
)


def load_production(**variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **variables)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_refuse_to_load_without_a_secret_key():
    result = load_production(DATABASE_URL="postgres://portal:pw@db:5432/portal")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_fall_back_to_sqlite_without_a_database_url():
    result = load_production(DJANGO_SECRET_KEY="a-production-secret")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_production_settings_load_with_a_key_and_a_database_and_stay_safe():
    result = load_production(
        DJANGO_SECRET_KEY="a-production-secret",
        DATABASE_URL="postgres://portal:pw@db:5432/portal",
        DJANGO_DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "debug": False,
        "secret": "a-production-secret",
        "engine": "django.db.backends.postgresql",
        "private": "/data/private",
        "secure_cookies": True,
        "health_checks": True,
        "sessions": "django.contrib.sessions.backends.db",
    }


def test_with_redis_sessions_stay_in_the_database():
    result = load_production(
        DJANGO_SECRET_KEY="a-production-secret",
        DATABASE_URL="postgres://portal:pw@db:5432/portal",
        REDIS_URL="redis://redis:6379/0",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["sessions"] == "django.contrib.sessions.backends.db"


def test_the_websocket_process_can_turn_database_health_checks_off():
    required = {
        "DJANGO_SECRET_KEY": "a-production-secret",
        "DATABASE_URL": "postgres://portal:pw@db:5432/portal",
    }
    loaded = load_production(**required, DATABASE_CONN_HEALTH_CHECKS="false")
    assert json.loads(loaded.stdout.strip().splitlines()[-1])["health_checks"] is False
