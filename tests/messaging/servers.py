"""Real ASGI server processes (daphne) on the test database, for tests that need more than the
in-process WebsocketCommunicator: several processes, or a browser."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start")


@contextlib.contextmanager
def daphne_servers(count: int, *, redis: bool) -> Iterator[list[int]]:
    """`count` daphne processes serving config.asgi on this test's PostgreSQL database; with
    `redis`, they share the test Redis under a prefix of their own (else each has an
    in-memory layer). Yields their ports; stops them at the end."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL if redis else "",
        "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex}",
        "PORTAL_TEST_DB_SUFFIX": "",
    }
    ports = [free_port() for _ in range(count)]
    daphne = str(Path(sys.executable).with_name("daphne"))
    processes = [
        subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
