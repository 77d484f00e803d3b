"""Follow core changes through this app's services; no logic here."""

from typing import Any

from django.dispatch import receiver

from portal.core.signals import appointment_ended, membership_ended

from . import services


@receiver(appointment_ended)
def end_assignments_of_appointment(sender: Any, appointment: Any, **kwargs: Any) -> None:
    services.case_assignments_end_for_appointment(appointment=appointment)


@receiver(membership_ended)
def end_assignments_of_leaver(sender: Any, user: Any, agency: Any, **kwargs: Any) -> None:
    services.case_assignments_end_for_leaver(user=user, agency=agency)
