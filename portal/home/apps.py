from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top layer: the pages that gather every flow (the work list, the demo data)."""

    name = "portal.home"
    label = "home"
    verbose_name = _("Work list")
