"""ASGI app for the WebSocket benchmark: the portal's NotificationConsumer relay path, with the
join keyed by a query parameter instead of a session (the benchmark has no users)."""

import os
from typing import Any
from urllib.parse import parse_qs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.serving.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from portal.core.consumers import NotificationConsumer  # noqa: E402
from portal.core.realtime import user_group  # noqa: E402


class BenchNotificationConsumer(NotificationConsumer):
    """Joins user_group(?u=N) and relays notification.count events like the real consumer."""

    async def connect(self) -> None:
        query: dict[str, Any] = parse_qs(self.scope["query_string"].decode())
        self.group = user_group(int(query["u"][0]))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([path("ws/bench/", BenchNotificationConsumer.as_asgi())]),
    }
)
