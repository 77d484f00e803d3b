"""The worker's signals that core's machinery listens to; no logic here."""

from typing import Any

from celery.signals import task_postrun, task_success

from .outbox import outbox_done
from .storage import discard_uncommitted


@task_success.connect
def outbox_task_succeeded(sender: Any = None, **kwargs: Any) -> None:
    """A task sent through the outbox is done: its row stops being resent."""
    outbox_done(getattr(getattr(sender, "request", None), "id", None))


@task_postrun.connect
def task_files_of_rolled_back_transactions_go(**kwargs: Any) -> None:
    """A task's files saved in a transaction that rolled back are removed once it ends."""
    discard_uncommitted()
