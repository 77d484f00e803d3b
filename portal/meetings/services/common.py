"""What every meeting service shares: locking, time checks, the history's language."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError

from ..models import Meeting
from ..permissions import MOVES


def lock(meeting: Meeting) -> Meeting:
    """The meeting row, locked for this transaction (two organisers' changes queue up)."""
    return MOVES.lock(meeting)


def check_times(starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    """A time that can still be held: it ends after it starts, and has not begun."""
    if ends_at <= starts_at:
        raise ApplicationError(_("The end must be after the start."), field="ends_at")
    if starts_at <= timezone.now():
        raise ApplicationError(_("This time is in the past."), field="starts_at")
    if ends_at - starts_at > datetime.timedelta(days=7):
        raise ApplicationError(_("A meeting cannot last longer than a week."), field="ends_at")


def local(moment: datetime.datetime | None) -> str:
    """A time as people read it in messages: 2026-05-12 09:00."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def meeting_path(meeting: Meeting) -> str:
    return reverse("meetings:detail", kwargs={"pk": meeting.pk})
