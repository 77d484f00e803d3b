"""Group names and broadcasts of the messaging app. Called only after commit."""

from __future__ import annotations

from typing import Any

from portal.core.realtime import send_to_group


def conversation_group(conversation_id: int) -> str:
    """The one name of the group every socket joined to a conversation is in."""
    return f"conversation.{conversation_id}"


def broadcast(conversation_id: int, event: dict[str, Any]) -> None:
    """Relay `event` to the conversation's sockets; each re-checks access before passing it on."""
    send_to_group(
        conversation_group(conversation_id),
        {"type": "conversation.event", "conversation": conversation_id, "event": event},
    )
