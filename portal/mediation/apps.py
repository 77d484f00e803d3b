from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "portal.mediation"
    label = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        from portal.core.deadlines import HAND_SET_POLICIES

        from .selectors import TERM_POLICY

        # An extension agreed by the parties moves the due date by hand: recomputing the
        # term from the policy's 15 days would silently take the extension back.
        HAND_SET_POLICIES.add(TERM_POLICY)
        from portal.cases.related import related_register

        from . import pdf  # noqa: F401  (registers the agreement's document kind)
        from .related import mediation_section

        related_register("mediation", mediation_section, order=10)
