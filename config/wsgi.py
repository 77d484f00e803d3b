import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if settings.PORTAL_STARTUP_CHECKS:  # production: refuse to serve as the tables' owner
    from portal.core.checks import fail_on_deployment_errors

    fail_on_deployment_errors()
