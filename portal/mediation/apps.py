from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "portal.mediation"
    label = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        # An extension agreed by the parties is stored as the days the term counts
        # (Deadline.days), so recomputing the term keeps it: the term is not hand-set.
        from portal.cases.related import related_register

        from . import pdf  # noqa: F401  (registers the agreement's document kind)
        from .related import mediation_section

        related_register("mediation", mediation_section, order=10)
