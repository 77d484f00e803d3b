"""The WebSocket process (config.asgi under daphne) tunes its garbage collector for short pauses.

Checked in a fresh interpreter: importing config.asgi changes the collector of the process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "import gc, json; before = gc.get_freeze_count(); import config.asgi; "
    "print(json.dumps({'before': before, 'frozen': gc.get_freeze_count(), "
    "'threshold': gc.get_threshold()}))"
)


def _probe() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_websocket_process_freezes_what_start_up_made_and_collects_its_oldest_objects_rarely():
    probed = _probe()

    assert probed["before"] == 0
    # Django, the apps and the URLconfs: the collector walks none of it any more.
    assert probed["frozen"] > 50_000
    assert probed["threshold"] == [700, 10, 100]
