"""iCalendar invitations (RFC 5545/5546) in Asia/Shanghai time.

One meeting is one event: its UID never changes, and every update or cancellation carries a
higher SEQUENCE, so calendar clients change the event they already hold instead of adding a
second one. METHOD:REQUEST invites or updates; METHOD:CANCEL cancels.
"""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Meeting, MeetingStatus, Rsvp

REQUEST = "REQUEST"
CANCEL = "CANCEL"
TIME_ZONE = "Asia/Shanghai"

PARTSTAT = {
    Rsvp.PENDING: "NEEDS-ACTION",
    Rsvp.ACCEPTED: "ACCEPTED",
    Rsvp.TENTATIVE: "TENTATIVE",
    Rsvp.DECLINED: "DECLINED",
}


def event_uid(meeting: Meeting) -> str:
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "portal.local"
    return f"meeting-{meeting.uid}@{host}"


def meeting_url(meeting: Meeting) -> str:
    return f"{settings.PORTAL_BASE_URL}/meetings/{meeting.pk}/"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def method_for(meeting: Meeting) -> str:
    """The method of the calendar file downloaded now: a cancelled meeting's cancels it."""
    return CANCEL if meeting.status == MeetingStatus.CANCELLED else REQUEST


def meeting_ics(meeting: Meeting, method: str = REQUEST) -> bytes:
    """The calendar file of a meeting whose time is fixed."""
    if meeting.starts_at is None or meeting.ends_at is None:
        raise ValueError("a meeting without a fixed time has no calendar event")
    tz = zoneinfo.ZoneInfo(TIME_ZONE)
    cal = Calendar()
    cal.add("prodid", "-//Haizhu tri-party labour-dispute portal//meetings//ZH")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", f"[{meeting.get_kind_display()}] {meeting.title}")
    description = meeting.description.strip()
    event.add("description", f"{description}\n\n{meeting_url(meeting)}".strip())
    event.add("url", meeting_url(meeting))
    if meeting.place:
        event.add("location", meeting.place)
    cancelled = method == CANCEL or meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organiser = meeting.organiser
    event.add(
        "organizer",
        _address(
            organiser.email or settings.DEFAULT_FROM_EMAIL,
            f"{organiser} · {meeting.organiser_agency.short_name}",
        ),
        encode=False,
    )
    for participant in meeting.participants.select_related("user", "agency"):
        if not participant.user.email:
            continue
        event.add(
            "attendee",
            _address(
                participant.user.email,
                f"{participant.user} · {participant.agency.short_name}",
                role="REQ-PARTICIPANT",
                partstat=PARTSTAT[Rsvp(participant.rsvp)],
                rsvp="FALSE",  # answers are given in the portal, not by calendar reply
            ),
            encode=False,
        )
    for guest in meeting.guests.all():
        if guest.email:
            event.add(
                "attendee",
                _address(
                    guest.email, f"{guest.name} · {guest.organisation}", role="OPT-PARTICIPANT"
                ),
                encode=False,
            )
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
