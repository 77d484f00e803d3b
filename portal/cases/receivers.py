"""Follow core changes through this app's services; no logic here."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.core.models import Agency
from portal.core.signals import appointment_ended, membership_ended

from . import services
from .services.intake import intake_agency_forget


@receiver(appointment_ended)
def end_assignments_of_appointment(sender: Any, appointment: Any, **kwargs: Any) -> None:
    services.case_assignments_end_for_appointment(appointment=appointment)


@receiver(membership_ended)
def end_assignments_of_leaver(sender: Any, user: Any, agency: Any, **kwargs: Any) -> None:
    services.case_assignments_end_for_leaver(user=user, agency=agency)


@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
def forget_intake_agency(sender: Any, **kwargs: Any) -> None:
    intake_agency_forget()
