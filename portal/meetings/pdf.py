"""The minutes (纪要) as a PDF, rendered by the core pipeline from
templates/meetings/pdf/minutes.html."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.documents import DocumentKind, register_document_kind

from .models import Meeting
from .permissions import access_meeting
from .services.minutes import MINUTES_DOCUMENT


def _minutes_context(meeting: Meeting) -> dict[str, Any]:
    # The PDF goes to everyone who sees the meeting: agenda items show their titles only,
    # not the linked cases, whose visibility differs from reader to reader.
    return {
        "meeting": meeting,
        "minutes": getattr(meeting, "minutes", None),
        "participants": list(meeting.participants.select_related("user", "agency")),
        "guests": list(meeting.guests.all()),
        "agenda": list(meeting.agenda_items.all()),
        "action_items": list(meeting.action_items.select_related("owner_agency", "owner_user")),
        "generated_at": timezone.localtime(),
    }


MEETING_MINUTES = DocumentKind(
    key=MINUTES_DOCUMENT,
    template="meetings/pdf/minutes.html",
    title=lambda meeting: _("Minutes of %(title)s") % {"title": meeting.title},
    context=_minutes_context,
    access=access_meeting,
    owner_model=Meeting,
)

register_document_kind(MEETING_MINUTES)
