"""HTTP and WebSockets. WebSocket routes are collected from each app's `routing.py`."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from portal.core.routing import websocket_urlpatterns as core_routes  # noqa: E402
from portal.messaging.routing import websocket_urlpatterns as messaging_routes  # noqa: E402

websocket_urlpatterns = [*core_routes, *messaging_routes]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# The WebSocket process's garbage collector, tuned for its pauses (B3(a) in bench/,
# docs/performance.md "B3"): a full collection walked everything start-up made (Django, the
# apps, the URLconfs: about 155,000 objects) and the thousand sockets' state, 150-280 ms in
# which no socket relayed. Start-up's objects live as long as the process: they are frozen
# (after their own garbage goes), and the collector walks them no more. Full collections come
# after 100 collections of the middle generation instead of 10 (about every 40 s at 50 messages
# a second), so a burst of joins does not bring one into the traffic that follows. The web
# workers keep Python's settings (config/wsgi.py).
gc.collect()
gc.freeze()
gc.set_threshold(700, 10, 100)
