"""The WebSocket process (config.asgi under daphne) tunes its garbage collector for short
pauses (config/asgi.py); the web workers (config.wsgi under gunicorn) keep Python's.

Checked in a fresh interpreter: importing the entry point is what would change the collector of
the process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "import gc, json; before = gc.get_freeze_count(); import {module}; "
    "print(json.dumps({{'before': before, 'frozen': gc.get_freeze_count(), "
    "'threshold': gc.get_threshold()}}))"
)


def _probe(module: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_websocket_process_freezes_what_start_up_made_and_collects_its_oldest_objects_rarely():
    probed = _probe("config.asgi")

    assert probed["before"] == 0
    # Django, the apps and the URLconfs: the collector walks none of it any more.
    assert probed["frozen"] > 50_000
    assert probed["threshold"] == [700, 10, 100]


def test_a_web_worker_keeps_pythons_collector_as_it_is():
    # Tuned like the WebSocket process, the workers' memory grew 13 % over B9's requests.
    probed = _probe("config.wsgi")

    assert probed["frozen"] == 0
    assert probed["threshold"] == [700, 10, 10]
