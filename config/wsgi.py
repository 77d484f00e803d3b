import os

from django.core.wsgi import get_wsgi_application

from config.collector import collector_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_wsgi_application()

collector_tune()  # config/collector.py: a worker's full collections stopped its threads (B6)
