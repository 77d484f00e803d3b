from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .realtime import user_group


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Relays a signed-in user's unread-notification count to their open pages."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "notification.count", "unread": await self._unread(user)})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"type": "error", "error": "read-only channel"})

    async def notification_count(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "notification.count", "unread": event["unread"]})

    @database_sync_to_async
    def _unread(self, user: Any) -> int:
        from .notifications import unread_count

        return unread_count(user)
