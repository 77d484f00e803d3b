import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# The web workers keep Python's own collector settings: tuned as the WebSocket process's are
# (config/asgi.py), their memory grew 13 % over B9's 10,000 requests instead of 2.6 %, and the
# kiosk surge of B6 went no faster (docs/performance.md, "B9").
application = get_wsgi_application()
