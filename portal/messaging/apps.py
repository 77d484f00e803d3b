from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "portal.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from . import live, receivers

        live.connect_receivers()
        receivers.connect_receivers()
