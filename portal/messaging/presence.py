"""Who is in a conversation right now: a roster per conversation, one entry per socket.

A joining socket adds itself to the roster, reads who else is on it and tells only itself; the
others hear one "online" broadcast. Before, every socket already there answered each newcomer
with a "here" of its own: a conversation of 200 cost 200 × 200 frames to fill.

The roster lives beside the channel layer: a Redis hash per conversation (socket → person) on the
layer's own connection, so every WebSocket process sees the same one; with the in-memory layer
(one process: development, tests without Redis) a dictionary of this process. A process that
dies cannot take its sockets off the roster, so each entry carries when it was last confirmed:
every process confirms its sockets' entries every REFRESH_SECONDS (one pipelined write for all of
them) and a reader skips, and removes, entries older than STALE_SECONDS.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from typing import Any

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
STALE_SECONDS = 3 * REFRESH_SECONDS

Entry = dict[str, Any]  # {"user": id, "name": str}


def roster_key(layer: Any, conversation_id: int) -> str:
    return f"{getattr(layer, 'prefix', 'portal')}:presence:{conversation_id}"


class _Local:
    """The sockets of this process (event loop) on each roster, confirmed every REFRESH_SECONDS."""

    def __init__(self) -> None:
        self.entries: dict[int, dict[str, Entry]] = {}  # conversation → socket → entry
        self.refresher: asyncio.Task[None] | None = None


_locals: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Local] = weakref.WeakKeyDictionary()
# The in-memory layer's rosters (one process): conversation → socket → entry JSON
_memory: dict[int, dict[str, str]] = {}


def _local() -> _Local:
    loop = asyncio.get_running_loop()
    local = _locals.get(loop)
    if local is None:
        local = _locals[loop] = _Local()
    return local


def _redis(layer: Any) -> Any:
    """The channel layer's Redis connection in this event loop; None for the in-memory layer."""
    connection = getattr(layer, "connection", None)
    return connection(0) if connection is not None else None


async def arrive(layer: Any, conversation_id: int, socket: str, entry: Entry) -> dict[str, Entry]:
    """Put the socket on the conversation's roster; the other sockets on it, by socket id."""
    value = json.dumps({**entry, "at": time.time()})
    local = _local()
    local.entries.setdefault(conversation_id, {})[socket] = entry
    if local.refresher is None:
        local.refresher = asyncio.get_running_loop().create_task(_refresh(layer, local))
    redis = _redis(layer)
    if redis is None:
        roster = _memory.setdefault(conversation_id, {})
        roster[socket] = value
        raw = dict(roster)
    else:
        key = roster_key(layer, conversation_id)
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, socket, value)
            pipe.expire(key, int(STALE_SECONDS))
            pipe.hgetall(key)
            *_writes, found = await pipe.execute()
        raw = {k.decode(): v for k, v in found.items()}
    others: dict[str, Entry] = {}
    stale = []
    oldest = time.time() - STALE_SECONDS
    for other, stored in raw.items():
        if other == socket:
            continue
        data = json.loads(stored)
        if data.pop("at", 0) < oldest:
            stale.append(other)
        else:
            others[other] = data
    if stale:
        await _remove(layer, conversation_id, stale)
    return others


async def depart(layer: Any, conversation_id: int, socket: str) -> None:
    """Take the socket off the conversation's roster."""
    local = _local()
    mine = local.entries.get(conversation_id)
    if mine is not None:
        mine.pop(socket, None)
        if not mine:
            del local.entries[conversation_id]
    _stop_when_idle(local)
    await _remove(layer, conversation_id, [socket])


def _stop_when_idle(local: _Local) -> None:
    if not local.entries and local.refresher is not None:  # nothing left to confirm
        local.refresher.cancel()
        local.refresher = None


def forget(socket: str) -> None:
    """This process stops confirming the socket on every roster, with no I/O: for a socket that
    ended without a clean departure (dropped, or its consumer failed and the server closed it
    with 1011). Its entries, if nobody could remove them, go stale after STALE_SECONDS and
    readers skip them; before, the refresher confirmed them for good."""
    if not socket:
        return
    local = _local()
    for conversation_id in list(local.entries):
        local.entries[conversation_id].pop(socket, None)
        if not local.entries[conversation_id]:
            del local.entries[conversation_id]
    _stop_when_idle(local)


async def _remove(layer: Any, conversation_id: int, sockets: list[str]) -> None:
    redis = _redis(layer)
    if redis is None:
        roster = _memory.get(conversation_id, {})
        for socket in sockets:
            roster.pop(socket, None)
        if not roster:
            _memory.pop(conversation_id, None)
        return
    try:
        await redis.hdel(roster_key(layer, conversation_id), *sockets)
    except Exception:  # presence is best effort: the entry goes stale and is skipped
        logger.warning("presence: could not leave %s", conversation_id, exc_info=True)


async def _refresh(layer: Any, local: _Local) -> None:
    """Confirm this process's entries, every REFRESH_SECONDS, while it has any."""
    try:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            if not local.entries:
                continue
            now = time.time()
            redis = _redis(layer)
            if redis is None:
                for conversation_id, sockets in local.entries.items():
                    roster = _memory.setdefault(conversation_id, {})
                    for socket, entry in sockets.items():
                        roster[socket] = json.dumps({**entry, "at": now})
                continue
            try:
                async with redis.pipeline(transaction=False) as pipe:
                    for conversation_id, sockets in local.entries.items():
                        key = roster_key(layer, conversation_id)
                        pipe.hset(
                            key,
                            mapping={
                                socket: json.dumps({**entry, "at": now})
                                for socket, entry in sockets.items()
                            },
                        )
                        pipe.expire(key, int(STALE_SECONDS))
                    await pipe.execute()
            except Exception:
                logger.warning("presence: could not confirm the rosters", exc_info=True)
    except asyncio.CancelledError:
        pass
