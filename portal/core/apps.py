from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import audit_lock, checks, receivers  # noqa: F401  (checks, Celery receivers)

        connection_created.connect(audit_lock.register, dispatch_uid="portal-audit-lock")

        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        # The embedded broker is a folder (kombu's filesystem transport): make sure it exists.
        if str(settings.CELERY_BROKER_URL).startswith("filesystem"):
            for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
                Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key])).mkdir(
                    parents=True, exist_ok=True
                )
