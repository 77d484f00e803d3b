"""Follow changes of core data that processes keep copies of; no logic here."""

from typing import Any

from celery.signals import task_postrun, task_success
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .deadlines import calendar_changing
from .models import CalendarDay, DeadlinePolicy, HolidayYear
from .outbox import outbox_done
from .storage import discard_uncommitted


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


@task_postrun.connect
def task_files_of_rolled_back_transactions_go(**kwargs: Any) -> None:
    """A task's files saved in a transaction that rolled back are removed once it ends."""
    discard_uncommitted()
