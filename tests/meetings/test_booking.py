"""A room is never booked twice at once: the service says so clearly on every database, and
on PostgreSQL an exclusion constraint holds even when two bookings race past that check."""

from __future__ import annotations

import threading
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError, transaction

from portal.core.bootstrap import seed_reference_data
from portal.core.errors import ApplicationError
from portal.core.models import Role, User
from portal.meetings.models import Meeting, MeetingSlot, MeetingStatus
from portal.meetings.services import (
    MeetingData,
    meeting_cancel,
    meeting_fix_slot,
    meeting_update,
    scheduling,
)
from portal.meetings.services import meetings as meeting_services
from tests.helpers import run_at_once

from ..factories import member
from .builders import make_meeting, next_weekday, propose, room, scheduled, span

ROOM_TAKEN = "is already booked from"


def fix_into(
    organiser: User, day_start: str, day_end: str, **kwargs: object
) -> tuple[Meeting, MeetingSlot]:
    meeting = make_meeting(organiser, **kwargs)  # type: ignore[arg-type]
    return meeting, propose(organiser, meeting, next_weekday(1), day_start, day_end)


@pytest.mark.django_db
def test_fixing_a_time_when_the_room_is_taken_is_refused_with_a_clear_message(
    bureau_admin, procuratorate_admin
):
    booked = scheduled(bureau_admin, start="09:00", end="10:30", title="人社局例会")
    meeting, slot = fix_into(procuratorate_admin, "10:00", "11:00")
    with pytest.raises(ApplicationError) as error:
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=slot)
    date = next_weekday(1).isoformat()
    assert error.value.message == (
        f"The room {booked.room.name} is already booked from {date} 09:00 to 10:30; "
        "choose another room or time."
    )
    assert booked.title not in error.value.message  # another agency's meeting stays private
    meeting.refresh_from_db()
    assert (meeting.status, meeting.starts_at) == (MeetingStatus.PLANNING, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), [("08:00", "09:00"), ("10:30", "12:00")])
def test_a_meeting_may_start_when_the_other_ends(bureau_admin, procuratorate_admin, start, end):
    scheduled(bureau_admin, start="09:00", end="10:30")
    meeting, slot = fix_into(procuratorate_admin, start, end)
    assert (
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=slot).status
        == "scheduled"
    )


@pytest.mark.django_db
def test_another_room_or_a_video_call_at_the_same_time_is_fine(bureau_admin, procuratorate_admin):
    scheduled(bureau_admin, start="09:00", end="10:30")
    in_other_room, slot = fix_into(
        procuratorate_admin, "09:00", "10:30", with_room=room("检察院会议室")
    )
    meeting_fix_slot(actor=procuratorate_admin, meeting=in_other_room, slot=slot)
    online, slot = fix_into(
        procuratorate_admin, "09:00", "10:30", video_link="https://v.example.cn/1"
    )
    meeting_fix_slot(actor=procuratorate_admin, meeting=online, slot=slot)


@pytest.mark.django_db
def test_a_cancelled_meeting_frees_its_room(bureau_admin, procuratorate_admin):
    booked = scheduled(bureau_admin, start="09:00", end="10:30")
    meeting_cancel(actor=bureau_admin, meeting=booked)
    meeting, slot = fix_into(procuratorate_admin, "09:00", "10:30")
    assert (
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=slot).room == booked.room
    )


@pytest.mark.django_db
def test_moving_a_meeting_into_a_booked_room_is_refused_and_changes_nothing(
    bureau_admin, procuratorate_admin
):
    scheduled(bureau_admin, start="09:00", end="10:30")
    meeting = scheduled(procuratorate_admin, start="14:00", end="15:00")
    starts_at, ends_at = span(next_weekday(1), "10:00", "11:00")
    with pytest.raises(ApplicationError, match=ROOM_TAKEN):
        meeting_update(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title="改期", room=meeting.room),
            starts_at=starts_at,
            ends_at=ends_at,
        )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.sequence) == ("2026年第四季度联席会议", 0)
    assert timezone_hour(meeting) == "14:00"


def timezone_hour(meeting: Meeting) -> str:
    from django.utils import timezone

    assert meeting.starts_at is not None
    return timezone.localtime(meeting.starts_at).strftime("%H:%M")


# --- PostgreSQL: the constraint itself ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_a_double_booking_that_got_past_the_check(
    bureau_admin, procuratorate_admin
):
    scheduled(bureau_admin, start="09:00", end="10:30")
    meeting, slot = fix_into(procuratorate_admin, "10:00", "11:00")
    # As if another booking committed between this transaction's check and its write.
    nothing = Meeting.objects.none()
    with (
        mock.patch.object(meeting_services, "room_bookings", return_value=nothing),
        pytest.raises(ApplicationError, match=ROOM_TAKEN) as error,
    ):
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=slot)
    assert isinstance(error.value.__cause__, IntegrityError)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNING


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_exclusion_constraint_stands_without_the_portal(bureau_admin, procuratorate_admin):
    booked = scheduled(bureau_admin, start="09:00", end="10:30")
    other = make_meeting(procuratorate_admin)
    with (
        pytest.raises(IntegrityError, match="meeting_room_no_double_booking"),
        transaction.atomic(),
    ):
        Meeting.objects.filter(pk=other.pk).update(
            status=MeetingStatus.SCHEDULED, starts_at=booked.starts_at, ends_at=booked.ends_at
        )


# --- PostgreSQL: two people booking at once -------------------------------------------------------------


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test starts from a flushed database when another one ran before it."""
    seed_reference_data()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_organisers_fixing_the_same_room_at_once_get_one_booking_and_one_clear_refusal(
    reference_data,
):
    organisers = [
        member("bureau.admin", "bureau", Role.AGENCY_ADMIN),
        member("proc.admin", "procuratorate", Role.AGENCY_ADMIN),
    ]
    pairs = [fix_into(user, "09:00", "10:30") for user in organisers]
    # Both pass the service's check before either writes: the race the constraint is for.
    both_checked = threading.Barrier(2, timeout=30)
    real_check = scheduling._check_room

    def check_then_wait(meeting: Meeting) -> None:
        real_check(meeting)
        both_checked.wait()

    def fix(user_id: int, meeting_id: int, slot_id: int) -> Callable[[], object]:
        def call() -> object:
            actor = User.objects.select_related("membership__agency").get(pk=user_id)
            return meeting_fix_slot(
                actor=actor,
                meeting=Meeting.objects.get(pk=meeting_id),
                slot=MeetingSlot.objects.get(pk=slot_id),
            )

        return call

    calls = [
        fix(user.pk, meeting.pk, slot.pk)
        for user, (meeting, slot) in zip(organisers, pairs, strict=True)
    ]
    with mock.patch.object(scheduling, "_check_room", check_then_wait):
        results, errors = run_at_once(calls)

    assert len(results) == 1, errors
    assert len(errors) == 1
    assert isinstance(errors[0], ApplicationError), errors
    assert ROOM_TAKEN in errors[0].message
    # Refused by the database, not by the check both threads had passed: the exclusion
    # constraint, or PostgreSQL's deadlock detection when both checked it at the same instant.
    assert isinstance(errors[0].__cause__, IntegrityError | OperationalError)
    statuses = sorted(Meeting.objects.values_list("status", flat=True))
    assert statuses == ["planning", "scheduled"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_colleagues_fixing_the_same_meeting_at_once_fix_it_once(reference_data):
    organiser = member("proc.admin", "procuratorate", Role.AGENCY_ADMIN)
    colleague = member("proc.liaison", "procuratorate", Role.LIAISON)
    meeting, first = fix_into(organiser, "09:00", "10:30")
    second = propose(organiser, meeting, next_weekday(2), "14:00", "15:00")

    def fix(user_id: int, slot_id: int) -> Callable[[], object]:
        def call() -> object:
            actor = User.objects.select_related("membership__agency").get(pk=user_id)
            slot = MeetingSlot.objects.get(pk=slot_id)
            return meeting_fix_slot(
                actor=actor, meeting=Meeting.objects.get(pk=meeting.pk), slot=slot
            )

        return call

    results, errors = run_at_once([fix(organiser.pk, first.pk), fix(colleague.pk, second.pk)])

    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], ApplicationError)
    assert "The time is already fixed" in errors[0].message
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.starts_at in (first.starts_at, second.starts_at)
