from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "portal.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from portal.cases.related import related_register

        from . import pdf  # noqa: F401  (registers the letters' document kinds)
        from .related import referrals_section

        related_register("referrals", referrals_section, order=20)
