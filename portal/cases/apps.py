from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "portal.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from . import pdf, receivers  # noqa: F401  (registers document kinds and receivers)
