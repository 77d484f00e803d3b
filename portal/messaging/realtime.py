"""Group names and broadcasts of the messaging app. Called only after commit."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

from portal.core.realtime import send_to_group


def conversation_group(conversation_id: int) -> str:
    """The one name of the group every socket joined to a conversation is in."""
    return f"conversation.{conversation_id}"


def access_group(user_id: int) -> str:
    """The group every messaging socket of one person is in: it hears when their access may
    have ended (portal.messaging.receivers)."""
    return f"access.user.{user_id}"


Broadcast = tuple[str, dict[str, Any]]  # (group, channel-layer message)

_held = threading.local()


@contextlib.contextmanager
def broadcasts_held() -> Iterator[list[Broadcast]]:
    """Within the block (in this thread), broadcasts are collected rather than sent: a socket
    running a service on a worker thread sends them itself, from its event loop, once the
    service has returned. They are still only what committed transactions broadcast (they are
    made on commit), and the socket sends them before it takes its next command."""
    held: list[Broadcast] = []
    _held.broadcasts = held
    try:
        yield held
    finally:
        _held.broadcasts = None


def broadcast(conversation_id: int, event: dict[str, Any]) -> None:
    """Relay `event` to the conversation's sockets. The event carries the frame they pass on,
    written once here rather than by each of (say) 200 sockets, and beside it only what a
    socket decides by: the kind of event and whose it is."""
    frame = json.dumps({**event, "conversation": conversation_id})
    group = conversation_group(conversation_id)
    message = {
        "type": "conversation.event",
        "conversation": conversation_id,
        "event": {"type": event.get("type"), "user": event.get("user")},
        "frame": frame,
    }
    held = getattr(_held, "broadcasts", None)
    if held is not None:
        held.append((group, message))
        return
    send_to_group(group, message)
