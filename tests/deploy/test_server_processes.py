"""The server processes tune their garbage collector for short pauses (config/collector.py):
the WebSocket process (config.asgi under daphne) and each web worker (config.wsgi under
gunicorn).

Checked in a fresh interpreter: importing the entry point changes the collector of the
process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("module", ["config.asgi", "config.wsgi"])
def test_a_server_process_freezes_what_start_up_made_and_collects_its_oldest_objects_rarely(
    module,
):
    probed = _probe(module)

    assert probed["before"] == 0
    # Django, the apps and the URLconfs: the collector walks none of it any more.
    assert probed["frozen"] > 50_000
    assert probed["threshold"] == [700, 10, 100]
