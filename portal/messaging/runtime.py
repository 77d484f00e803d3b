"""How the messaging socket runs its database work: what Channels does by default made every
relayed event wait behind the joins' database work, and stored one process's messages one at a
time (the measurements: docs/architecture.md, "The messaging socket").

- `DirectDispatch` calls the handler without Channels' `aclose_old_connections()` on its one
  database thread before every frame and relayed event; invariant: every database call of the
  consumer runs through `DatabaseSyncToAsync`, which closes stale connections itself.
- `on_send_pool` runs sends and joins on a few threads with their own connections (PostgreSQL
  only; SQLite has one writer, so there they run on Channels' database thread).
- `send_lock` keeps one conversation's sends from one process in order: stored and broadcast
  in the order they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings
from django.db import connections

# Threads storing messages at once (each holds one database connection while the process runs).
SEND_THREADS = 4

logger = logging.getLogger(__name__)


class TokenBucket:
    """Per-connection throttle: one flooding socket is refused without slowing the others."""

    __slots__ = ("capacity", "refill", "stamp", "tokens")

    def __init__(self, capacity: float, refill_per_second: float) -> None:
        self.capacity = capacity
        self.refill = refill_per_second
        self.tokens = capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.refill)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


async def quietly(step: Awaitable[Any]) -> None:
    """A clean-up step that may fail (Redis away) without stopping the ones after it."""
    try:
        await step
    except Exception:
        logger.warning("a websocket clean-up step failed", exc_info=True)


class DirectDispatch:
    """A consumer mixin: dispatch straight to the handler (see the module's docstring)."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


_SEND_POOL = (
    None
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    else ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="messaging-send")
)


async def on_send_pool(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run `func` on the send pool (each thread its own database connection), or on Channels'
    database thread where there is no pool."""
    if _SEND_POOL is None:
        return await database_sync_to_async(func)(*args, **kwargs)
    return await DatabaseSyncToAsync(func, thread_sensitive=False, executor=_SEND_POOL)(
        *args, **kwargs
    )


_send_locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
    weakref.WeakValueDictionary()
)


def send_lock(conversation_id: int) -> asyncio.Lock:
    """The lock of one conversation's sends in this event loop (gone when nobody holds it)."""
    key = (id(asyncio.get_running_loop()), conversation_id)
    lock = _send_locks.get(key)
    if lock is None:
        lock = _send_locks[key] = asyncio.Lock()
    return lock


def close_send_connections() -> None:
    """Close the send threads' database connections (tests, before their database goes)."""
    if _SEND_POOL is None:
        return
    barrier = threading.Barrier(SEND_THREADS)

    def close() -> None:
        connections.close_all()
        # Each thread waits for the others, so every thread of the pool runs this once.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)

    for future in [_SEND_POOL.submit(close) for _ in range(SEND_THREADS)]:
        future.result()
