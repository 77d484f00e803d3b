from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CluesConfig(AppConfig):
    name = "portal.clues"
    label = "clues"
    verbose_name = _("Wage-arrears clues")
