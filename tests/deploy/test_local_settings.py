"""config/settings/local.py, what `make run` serves: the portal's own error pages and collected,
compressed static files unless a developer asks for debug."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({'debug': settings.DEBUG, "
    "'static': settings.STORAGES['staticfiles']['BACKEND'], "
    "'finders': getattr(settings, 'WHITENOISE_USE_FINDERS', False)}))"
)


def load_local(**variables: str) -> dict[str, object]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_DEBUG"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", **variables)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_make_run_serves_the_portals_own_404_and_compressed_hashed_static_files():
    loaded = load_local()
    assert loaded["debug"] is False
    assert loaded["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.parametrize("value", ["1", "true"])
def test_a_developer_asks_for_debug_pages_and_static_files_from_the_source(value):
    loaded = load_local(DJANGO_DEBUG=value)
    assert loaded["debug"] is True
    assert loaded["finders"] is True


def test_make_runs_demo_data_is_seeded_with_debug_off():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.PORTAL_DEMO_DATA)",
        ],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "True"
