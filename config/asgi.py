"""HTTP and WebSockets. WebSocket routes are collected from each app's `routing.py`."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

if settings.PORTAL_STARTUP_CHECKS:  # production: refuse to serve as the tables' owner
    from portal.core.checks import fail_on_deployment_errors

    fail_on_deployment_errors()

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

# Invariant: start-up's objects live as long as the process, so they are frozen out of the
# collector's walks, and full collections are ten times rarer than Python's default; this is
# what keeps relays free of stalls with a thousand sockets (docs/performance.md, "Removed in issue 15").
gc.collect()
gc.freeze()
gc.set_threshold(700, 10, 100)
