"""Pushes to browsers over Channels. Called only after commit; consumers only relay."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    """The one name of the group every open page of a user joins."""
    return f"user.{user_id}"


def send_to_group(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a push is best effort: the page shows the truth on its next load
        logger.warning("realtime push to %s failed", group, exc_info=True)


def push_unread_count(user_id: int) -> None:
    from .models import Notification

    count = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
    send_to_group(user_group(user_id), {"type": "notification.count", "unread": count})
