from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KioskConfig(AppConfig):
    name = "portal.kiosk"
    label = "kiosk"
    verbose_name = _("E-law kiosk and intake")

    def ready(self) -> None:
        # The intake notices are cases' documents; registering them here keeps them next to
        # the kiosk that shows them to claimants.
        from portal.cases import intake_documents  # noqa: F401
