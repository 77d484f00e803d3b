"""The yardstick of B3 and B4: a bare Channels broadcast consumer in the portal's ASGI process
shape (the same settings, Django's HTTP app for /healthz, the same Redis channel layer), speaking
the portal socket's join/send frames but with no session, no access check and no database.

A sent message goes to the conversation's whole group (the sender included, as the portal's
broadcast after commit does); every socket relays it as a ``message.new`` frame.

    daphne bench.ws_bare:application
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class BareBroadcastConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.joined: set[int] = set()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for conversation in self.joined:
            await self.channel_layer.group_discard(f"bare.{conversation}", self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        conversation = int(content["conversation"])
        if content["type"] == "join":
            await self.channel_layer.group_add(f"bare.{conversation}", self.channel_name)
            self.joined.add(conversation)
            await self.send_json({"type": "joined", "conversation": conversation})
            await self.send_json({"type": "caught_up", "conversation": conversation, "last": 0})
        elif content["type"] == "send":
            await self.channel_layer.group_send(
                f"bare.{conversation}",
                {
                    "type": "conversation.event",
                    "conversation": conversation,
                    "event": {"type": "message.new", "body": content["body"]},
                },
            )
            await self.send_json({"type": "sent", "client_id": content.get("client_id")})

    async def conversation_event(self, event: dict[str, Any]) -> None:
        await self.send_json({**event["event"], "conversation": event["conversation"]})


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([path("ws/bare/", BareBroadcastConsumer.as_asgi())]),
    }
)
