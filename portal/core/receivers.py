"""Follow changes of core data that processes keep copies of; no logic here."""

from typing import Any

from celery.signals import task_success
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .deadlines import calendar_changing
from .models import CalendarDay, DeadlinePolicy, HolidayYear
from .outbox import outbox_done


@receiver(post_save, sender=HolidayYear)
@receiver(post_delete, sender=HolidayYear)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=DeadlinePolicy)
@receiver(post_delete, sender=DeadlinePolicy)
def calendar_row_changed(sender: Any, **kwargs: Any) -> None:
    calendar_changing()


@task_success.connect
def outbox_task_succeeded(sender: Any = None, **kwargs: Any) -> None:
    """A task sent through the outbox is done: its row stops being resent."""
    outbox_done(getattr(getattr(sender, "request", None), "id", None))
