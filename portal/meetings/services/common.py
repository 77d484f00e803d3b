"""What every meeting service shares: locking, the state and role checks, time checks."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from portal.core.models import User

from ..models import TRANSITIONS, Meeting, MeetingStatus
from ..permissions import can_organise


def lock(meeting: Meeting) -> Meeting:
    """The meeting row, locked for this transaction (two organisers' moves queue up)."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def require_organiser(actor: User, meeting: Meeting) -> None:
    if not can_organise(actor, meeting):
        raise ApplicationError(
            _("Only staff of the organising agency (%(agency)s) can do this.")
            % {"agency": meeting.organiser_agency.short_name}
        )


def require_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ApplicationError(_("The meeting was cancelled."))
    if meeting.status == MeetingStatus.CLOSED:
        raise ApplicationError(_("The minutes are approved: the meeting can no longer be changed."))


def require_move(meeting: Meeting, target: str) -> None:
    if target not in TRANSITIONS[meeting.status]:
        require_open(meeting)
        raise ApplicationError(
            _("A meeting that is %(status)s cannot become %(target)s.")
            % {
                "status": meeting.get_status_display(),
                "target": MeetingStatus(target).label,
            }
        )


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


def in_portal_language(text: object, **values: object) -> str:
    """Text for an audit note: the history is one record shared by everyone, so its notes are
    written in the portal's language, whatever the language of the page that made the move."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % values if values else str(text)


def meeting_path(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/"
