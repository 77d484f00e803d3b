"""The calendar files, parsed back with icalendar: Beijing time with its VTIMEZONE, one UID
for the life of the meeting, a SEQUENCE that rises with every update, METHOD:REQUEST for
invitations and updates and METHOD:CANCEL for a cancellation."""

from __future__ import annotations

import datetime
import zoneinfo
from email.message import Message

import pytest
from django.urls import reverse
from icalendar import Calendar

from portal.meetings.ics import event_uid
from portal.meetings.models import Meeting, Rsvp
from portal.meetings.services import (
    GuestData,
    MeetingData,
    guest_add,
    invitation_send,
    meeting_cancel,
    meeting_update,
    participant_add,
    participant_remove,
    participant_rsvp,
)

from .builders import next_weekday, scheduled, span

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def calendar_part(message) -> Message:  # type: ignore[no-untyped-def]
    (part,) = [a for a in message.attachments if isinstance(a, Message)]
    return part


def parsed(message) -> Calendar:  # type: ignore[no-untyped-def]
    return Calendar.from_ical(calendar_part(message).get_payload(decode=True))


def event(calendar: Calendar):  # type: ignore[no-untyped-def]
    (vevent,) = calendar.walk("VEVENT")
    return vevent


def to(outbox, address: str) -> list:  # type: ignore[no-untyped-def]
    """The calendar emails to one address (in-app notifications may be emailed too)."""
    return [m for m in outbox if m.to == [address] and has_calendar(m)]


def has_calendar(message) -> bool:  # type: ignore[no-untyped-def]
    return any(isinstance(a, Message) for a in message.attachments)


@pytest.fixture
def invited(django_capture_on_commit_callbacks, outbox, procuratorate_admin, bureau_admin):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = scheduled(procuratorate_admin, [bureau_admin], start="09:30", end="11:00")
    return meeting


def test_the_invitation_is_a_request_in_beijing_time_with_its_time_zone(
    invited, outbox, bureau_admin, procuratorate_admin
):
    (message,) = to(outbox, bureau_admin.email)
    part = calendar_part(message)
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "meeting.ics"
    calendar = parsed(message)
    assert calendar["METHOD"] == "REQUEST"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    vevent = event(calendar)
    start = vevent.decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "Asia/Shanghai"
    assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"
    day = next_weekday(1)
    assert start == datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=SHANGHAI)
    assert vevent.decoded("DTEND") == datetime.datetime.combine(
        day, datetime.time(11), tzinfo=SHANGHAI
    )
    assert str(vevent["UID"]) == event_uid(invited)
    assert vevent["SEQUENCE"] == 0
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert invited.title in str(vevent["SUMMARY"])
    assert invited.room.name in str(vevent["LOCATION"])
    attendees = {str(a): a.params["PARTSTAT"] for a in vevent["ATTENDEE"]}
    assert attendees == {
        f"mailto:{procuratorate_admin.email}": "ACCEPTED",
        f"mailto:{bureau_admin.email}": "NEEDS-ACTION",
    }
    assert str(vevent["ORGANIZER"]) == f"mailto:{procuratorate_admin.email}"
    assert message.subject.startswith("Invitation: ")


def test_an_update_keeps_the_uid_and_raises_the_sequence(
    django_capture_on_commit_callbacks, invited, outbox, procuratorate_admin, bureau_admin
):
    first_uid = str(event(parsed(to(outbox, bureau_admin.email)[0]))["UID"])
    outbox.clear()
    starts_at, ends_at = span(next_weekday(3), "14:30", "16:00")
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(
            actor=procuratorate_admin,
            meeting=invited,
            data=MeetingData(kind=invited.kind, title=invited.title, room=invited.room),
            starts_at=starts_at,
            ends_at=ends_at,
        )
    (message,) = to(outbox, bureau_admin.email)
    assert message.subject.startswith("Changed: ")
    calendar = parsed(message)
    vevent = event(calendar)
    assert calendar["METHOD"] == "REQUEST"
    assert str(vevent["UID"]) == first_uid
    assert vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTART") == starts_at.astimezone(SHANGHAI)


def test_a_cancellation_keeps_the_uid_raises_the_sequence_and_says_cancel(
    django_capture_on_commit_callbacks, invited, outbox, procuratorate_admin, bureau_admin
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(
            actor=procuratorate_admin,
            meeting=invited,
            data=MeetingData(kind=invited.kind, title="更名", room=invited.room),
        )
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(actor=procuratorate_admin, meeting=invited, reason="改为书面征求意见")
    (message,) = to(outbox, bureau_admin.email)
    assert message.subject.startswith("Cancelled: ")
    assert "改为书面征求意见" in message.body
    assert calendar_part(message).get_param("method") == "CANCEL"
    calendar = parsed(message)
    vevent = event(calendar)
    assert calendar["METHOD"] == "CANCEL"
    assert str(vevent["UID"]) == event_uid(invited)
    assert vevent["SEQUENCE"] == 2
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_a_guest_is_sent_the_invitation_and_a_person_removed_is_sent_a_cancellation(
    django_capture_on_commit_callbacks,
    invited,
    outbox,
    procuratorate_admin,
    bureau_admin,
    arbitrator,
):
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        guest_add(
            actor=procuratorate_admin,
            meeting=invited,
            data=GuestData(
                name="陈法官", organisation="海珠区人民法院", email="chen@court.example.cn"
            ),
        )
        participant_add(actor=procuratorate_admin, meeting=invited, user=arbitrator)
    invitations = [m for m in outbox if has_calendar(m)]
    assert [m.to for m in invitations] == [["chen@court.example.cn"], [arbitrator.email]]
    assert all(parsed(m)["METHOD"] == "REQUEST" for m in invitations)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        participant_remove(
            actor=procuratorate_admin,
            meeting=invited,
            participant=invited.participants.get(user=bureau_admin),
        )
    (message,) = outbox
    assert message.to == [bureau_admin.email]
    assert parsed(message)["METHOD"] == "CANCEL"
    assert str(event(parsed(message))["UID"]) == event_uid(invited)


def test_a_request_superseded_by_a_later_version_is_not_sent(invited, outbox, procuratorate_admin):
    Meeting.objects.filter(pk=invited.pk).update(sequence=3)
    outbox.clear()
    assert invitation_send(meeting_id=invited.pk, method="REQUEST", sequence=2) == 0
    assert outbox == []
    assert invitation_send(meeting_id=invited.pk, method="REQUEST", sequence=3) == 2


def test_the_calendar_file_download_shows_the_answers(
    client, invited, bureau_admin, procuratorate_admin
):
    participant_rsvp(actor=bureau_admin, meeting=invited, answer=Rsvp.TENTATIVE)
    client.force_login(bureau_admin)
    response = client.get(reverse("meetings:ics", kwargs={"pk": invited.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    vevent = event(Calendar.from_ical(response.content))
    partstats = {str(a): a.params["PARTSTAT"] for a in vevent["ATTENDEE"]}
    assert partstats[f"mailto:{bureau_admin.email}"] == "TENTATIVE"
    assert str(vevent["UID"]) == event_uid(invited)
