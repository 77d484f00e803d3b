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
        from portal.cases.related import related_register

        from .related import conversation_section

        related_register("conversation", conversation_section, order=40)
