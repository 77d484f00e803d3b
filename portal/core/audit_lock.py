"""The audit table's lock on SQLite (migration 0008): the triggers refuse UPDATE and DELETE
unless `portal_audit_unlocked()` answers 1 on the connection. Every SQLite connection the
portal opens registers the function answering 0; nothing in the portal unlocks it. Only the
test suite does, for the statements that empty every table between transactional tests
(`unlocked`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state = threading.local()


def _unlocked() -> int:
    return 1 if getattr(_state, "unlocked", False) else 0


def register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: give a new SQLite connection the triggers' function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "portal_audit_unlocked", 0, _unlocked, deterministic=False
        )


@contextmanager
def unlocked() -> Iterator[None]:
    _state.unlocked = True
    try:
        yield
    finally:
        _state.unlocked = False
