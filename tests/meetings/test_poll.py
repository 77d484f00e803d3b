"""Finding a time: proposed slots with their flags and conflicts, votes, fixing one, RSVP."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from portal.core.audit import audit_history
from portal.core.errors import ApplicationError
from portal.core.models import CalendarDay, HolidayYear
from portal.meetings.models import MeetingSlot, MeetingStatus, Rsvp, SlotVote
from portal.meetings.selectors import poll_for
from portal.meetings.services import (
    meeting_cancel,
    meeting_fix_slot,
    participant_rsvp,
    slot_propose,
    slot_vote,
)
from portal.meetings.timing import slot_flags

from ..helpers import notification_titles
from .builders import make_meeting, next_weekday, propose, room, scheduled, span

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll(procuratorate_admin, bureau_admin, arbitration_admin):
    """A major-case consultation with two proposed times, as in the issue's journey."""
    meeting = make_meeting(procuratorate_admin, [bureau_admin, arbitration_admin])
    tuesday = propose(procuratorate_admin, meeting, next_weekday(1), "09:30", "11:00")
    thursday = propose(procuratorate_admin, meeting, next_weekday(3), "14:30", "16:00")
    return meeting, tuesday, thursday


# --- proposing ------------------------------------------------------------------------------------


def test_the_organiser_proposes_times_and_the_participants_are_told_after_commit(
    django_capture_on_commit_callbacks, procuratorate_admin, bureau_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    with django_capture_on_commit_callbacks(execute=True):
        slot = propose(procuratorate_admin, meeting, next_weekday(1), "09:30", "11:00")
        assert not notification_titles(bureau_admin)
    assert timezone.localtime(slot.starts_at).strftime("%H:%M") == "09:30"
    assert f"A time is proposed for {meeting.title}" in notification_titles(bureau_admin)
    assert audit_history(meeting).filter(action="meeting.slot_propose").count() == 1


@pytest.mark.parametrize(
    ("day", "start", "end", "message"),
    [
        (-7, "09:00", "10:00", "This time is in the past."),
        (7, "11:00", "10:00", "The end must be after the start."),
        (7, "10:00", "10:00", "The end must be after the start."),
    ],
)
def test_a_slot_in_the_past_or_ending_before_it_starts_is_refused_and_not_saved(
    procuratorate_admin, day, start, end, message
):
    meeting = make_meeting(procuratorate_admin)
    starts_at, ends_at = span(timezone.localdate() + datetime.timedelta(days=day), start, end)
    with pytest.raises(ApplicationError, match=message):
        slot_propose(
            actor=procuratorate_admin, meeting=meeting, starts_at=starts_at, ends_at=ends_at
        )
    assert not MeetingSlot.objects.exists()
    assert not audit_history(meeting).filter(action="meeting.slot_propose").exists()


def test_the_same_time_cannot_be_proposed_twice(poll, procuratorate_admin):
    meeting, tuesday, _thursday = poll
    with pytest.raises(ApplicationError, match="already proposed"):
        slot_propose(
            actor=procuratorate_admin,
            meeting=meeting,
            starts_at=tuesday.starts_at,
            ends_at=tuesday.ends_at,
        )


def test_a_participant_of_another_agency_cannot_propose_times(poll, bureau_admin):
    meeting, *_ = poll
    starts_at, ends_at = span(next_weekday(2), "09:00", "10:00")
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        slot_propose(actor=bureau_admin, meeting=meeting, starts_at=starts_at, ends_at=ends_at)


def test_no_time_is_proposed_once_the_time_is_fixed(poll, procuratorate_admin):
    meeting, tuesday, _thursday = poll
    meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=tuesday)
    starts_at, ends_at = span(next_weekday(4), "09:00", "10:00")
    with pytest.raises(ApplicationError, match="The time is already fixed"):
        slot_propose(
            actor=procuratorate_admin, meeting=meeting, starts_at=starts_at, ends_at=ends_at
        )


# --- flags and conflicts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekday", "start", "end", "rest_day", "outside_hours"),
    [
        (1, "09:00", "11:00", False, False),
        (1, "14:00", "18:00", False, False),
        (1, "08:00", "09:00", False, True),  # before office hours
        (1, "11:30", "14:30", False, True),  # over the lunch break
        (1, "17:30", "19:00", False, True),  # after office hours
        (5, "09:00", "11:00", True, False),  # Saturday
    ],
)
def test_slots_on_rest_days_or_outside_office_hours_are_flagged(
    weekday, start, end, rest_day, outside_hours
):
    flags = slot_flags(*span(next_weekday(weekday, weeks=2), start, end))
    assert (flags.rest_day, flags.outside_hours) == (rest_day, outside_hours)


def test_public_holidays_and_make_up_working_days_follow_the_holiday_calendar(db):
    holiday, make_up_saturday = next_weekday(2, weeks=3), next_weekday(5, weeks=3)
    year = HolidayYear.objects.create(year=holiday.year, notice="国务院办公厅通知")
    CalendarDay.objects.create(holiday_year=year, date=holiday, is_working_day=False, name="节日")
    if make_up_saturday.year == holiday.year:
        CalendarDay.objects.create(
            holiday_year=year, date=make_up_saturday, is_working_day=True, name="调休上班"
        )
        assert not slot_flags(*span(make_up_saturday, "09:00", "10:00")).rest_day
    assert slot_flags(*span(holiday, "09:00", "10:00")).rest_day


def test_office_hours_are_configurable(settings):
    settings.PORTAL_MEETING_WORKING_HOURS = "09:00-12:00,13:30-17:30"
    day = next_weekday(1, weeks=2)
    assert not slot_flags(*span(day, "13:30", "15:00")).outside_hours
    assert slot_flags(*span(day, "17:00", "18:00")).outside_hours


def test_the_poll_flags_each_slot_and_shows_the_participants_other_meetings(
    procuratorate_admin, bureau_admin, arbitration_admin
):
    day = next_weekday(1, weeks=2)
    other = scheduled(
        bureau_admin,
        [arbitration_admin],
        day=day,
        start="09:00",
        end="10:00",
        title="人社局例会",
        with_room=room("人社局二楼会议室"),
    )
    meeting = make_meeting(procuratorate_admin, [bureau_admin, arbitration_admin])
    clash = propose(procuratorate_admin, meeting, day, "09:30", "11:00")
    saturday = propose(procuratorate_admin, meeting, next_weekday(5, weeks=2), "09:30", "11:00")
    free = propose(procuratorate_admin, meeting, day, "10:00", "11:30")  # touches the other: fine

    rows = {row.slot: row for row in poll_for(meeting, procuratorate_admin)}

    assert [(c.user_label, c.meeting_title) for c in rows[clash].conflicts] == [
        (str(bureau_admin), other.title),
        (str(arbitration_admin), other.title),
    ]
    assert rows[saturday].flags.rest_day and not rows[saturday].conflicts
    assert rows[free].conflicts == [] and not rows[free].flags.any


def test_a_declined_meeting_is_no_conflict(procuratorate_admin, bureau_admin, arbitration_admin):
    day = next_weekday(1, weeks=2)
    other = scheduled(
        arbitration_admin,
        [bureau_admin],
        day=day,
        start="09:00",
        end="10:00",
        with_room=room("仲裁委调解室"),
    )
    participant_rsvp(actor=bureau_admin, meeting=other, answer=Rsvp.DECLINED)
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    slot = propose(procuratorate_admin, meeting, day, "09:00", "10:00")
    assert poll_for(meeting, procuratorate_admin)[0].slot == slot
    assert poll_for(meeting, procuratorate_admin)[0].conflicts == []


def test_the_poll_shows_when_the_room_is_booked(procuratorate_admin, bureau_admin):
    day = next_weekday(1, weeks=2)
    scheduled(bureau_admin, day=day, start="09:00", end="10:00")  # the default room
    meeting = make_meeting(procuratorate_admin)
    taken = propose(procuratorate_admin, meeting, day, "09:30", "10:30")
    free = propose(procuratorate_admin, meeting, day, "10:00", "11:00")
    rows = {row.slot: row for row in poll_for(meeting, procuratorate_admin)}
    assert rows[taken].room_taken and not rows[free].room_taken


# --- voting ---------------------------------------------------------------------------------------------


def test_participants_answer_yes_maybe_or_no_for_each_time_and_may_change_their_mind(
    poll, bureau_admin, arbitration_admin, procuratorate_admin
):
    meeting, tuesday, thursday = poll
    slot_vote(actor=bureau_admin, meeting=meeting, answers={tuesday.pk: "yes", thursday.pk: "no"})
    slot_vote(
        actor=arbitration_admin, meeting=meeting, answers={tuesday.pk: "maybe", thursday.pk: "yes"}
    )
    slot_vote(actor=bureau_admin, meeting=meeting, answers={thursday.pk: "maybe"})

    rows = {row.slot: row for row in poll_for(meeting, bureau_admin)}
    assert rows[tuesday].counts == {"yes": 1, "maybe": 1, "no": 0}
    assert rows[thursday].counts == {"yes": 1, "maybe": 1, "no": 0}
    assert rows[thursday].my_answer == "maybe"
    assert rows[tuesday].voters["maybe"] == [str(arbitration_admin)]
    assert SlotVote.objects.count() == 4
    votes = audit_history(meeting).filter(action="meeting.slot_vote")
    assert votes.count() == 3
    assert votes.first().actor == bureau_admin


def test_only_participants_answer_the_poll_even_in_an_agency_that_sees_it(
    poll, bureau_inspector, outsider
):
    meeting, tuesday, _thursday = poll
    for user in (bureau_inspector, outsider):
        with pytest.raises(ApplicationError, match="Only the participants answer the poll"):
            slot_vote(actor=user, meeting=meeting, answers={tuesday.pk: "yes"})
    assert not SlotVote.objects.exists()


def test_answers_about_other_times_or_other_words_are_refused_and_nothing_is_saved(
    poll, bureau_admin, procuratorate_admin
):
    meeting, tuesday, _thursday = poll
    other = make_meeting(procuratorate_admin, title="另一个会议")
    elsewhere = propose(procuratorate_admin, other, next_weekday(2), "09:00", "10:00")
    with pytest.raises(ApplicationError, match="not proposed for this meeting"):
        slot_vote(
            actor=bureau_admin, meeting=meeting, answers={tuesday.pk: "yes", elsewhere.pk: "yes"}
        )
    with pytest.raises(ApplicationError, match="Answer yes, maybe or no"):
        slot_vote(actor=bureau_admin, meeting=meeting, answers={tuesday.pk: "perhaps"})
    with pytest.raises(ApplicationError, match="Answer at least one"):
        slot_vote(actor=bureau_admin, meeting=meeting, answers={})
    assert not SlotVote.objects.exists()


def test_the_poll_is_closed_once_the_time_is_fixed(poll, procuratorate_admin, bureau_admin):
    meeting, tuesday, _thursday = poll
    meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=tuesday)
    with pytest.raises(ApplicationError, match="the poll is closed"):
        slot_vote(actor=bureau_admin, meeting=meeting, answers={tuesday.pk: "yes"})


# --- fixing ------------------------------------------------------------------------------------------------


def test_the_organiser_fixes_a_time_and_the_invitations_go_out_after_commit(
    django_capture_on_commit_callbacks,
    outbox,
    poll,
    procuratorate_admin,
    bureau_admin,
    arbitration_admin,
):
    meeting, _tuesday, thursday = poll
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=thursday)
        assert outbox == []
    assert meeting.status == MeetingStatus.SCHEDULED
    assert (meeting.starts_at, meeting.ends_at) == (thursday.starts_at, thursday.ends_at)
    assert meeting.sequence == 0
    assert sorted(m.to[0] for m in outbox) == sorted(
        u.email for u in (procuratorate_admin, bureau_admin, arbitration_admin)
    )
    assert f"Time fixed: {meeting.title}" in notification_titles(bureau_admin)
    event = audit_history(meeting).filter(action="meeting.fix").get()
    assert (event.status_before, event.status_after) == ("planning", "scheduled")


def test_a_fixed_time_cannot_be_fixed_again(poll, procuratorate_admin):
    meeting, tuesday, thursday = poll
    meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=tuesday)
    with pytest.raises(ApplicationError, match="The time is already fixed"):
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=thursday)
    meeting.refresh_from_db()
    assert meeting.starts_at == tuesday.starts_at


def test_a_cancelled_meeting_cannot_be_fixed(poll, procuratorate_admin):
    meeting, tuesday, _thursday = poll
    meeting_cancel(actor=procuratorate_admin, meeting=meeting)
    with pytest.raises(ApplicationError, match="The meeting was cancelled"):
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=tuesday)


def test_a_slot_of_another_meeting_or_one_that_has_passed_cannot_be_fixed(
    poll, procuratorate_admin
):
    meeting, tuesday, _thursday = poll
    other = make_meeting(procuratorate_admin, title="另一个会议")
    elsewhere = propose(procuratorate_admin, other, next_weekday(2), "09:00", "10:00")
    with pytest.raises(ApplicationError, match="not proposed for this meeting"):
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=elsewhere)
    # The poll stayed open for too long: the proposed time is over.
    MeetingSlot.objects.filter(pk=tuesday.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    tuesday.refresh_from_db()
    with pytest.raises(ApplicationError, match="This time has passed"):
        meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=tuesday)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNING


def test_a_participant_of_another_agency_cannot_fix_the_time(poll, bureau_admin):
    meeting, tuesday, _thursday = poll
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        meeting_fix_slot(actor=bureau_admin, meeting=meeting, slot=tuesday)


# --- RSVP ----------------------------------------------------------------------------------------------------


def test_participants_accept_tentatively_accept_or_decline_the_invitation(
    django_capture_on_commit_callbacks, poll, procuratorate_admin, bureau_admin, arbitration_admin
):
    meeting, tuesday, _thursday = poll
    meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=tuesday)
    with django_capture_on_commit_callbacks(execute=True):
        participant_rsvp(actor=bureau_admin, meeting=meeting, answer=Rsvp.TENTATIVE)
        participant_rsvp(actor=arbitration_admin, meeting=meeting, answer=Rsvp.DECLINED)
    answers = dict(meeting.participants.values_list("user__username", "rsvp"))
    assert answers == {
        "proc.admin": "accepted",
        "bureau.admin": "tentative",
        "arb.admin": "declined",
    }
    assert meeting.participants.get(user=bureau_admin).rsvp_at is not None
    assert len([t for t in notification_titles(procuratorate_admin) if "Declined" in t]) == 1
    assert audit_history(meeting).filter(action="meeting.rsvp").count() == 2


def test_the_invitation_is_answered_only_once_the_time_is_fixed(poll, bureau_admin):
    meeting, *_ = poll
    with pytest.raises(ApplicationError, match="answer the poll instead"):
        participant_rsvp(actor=bureau_admin, meeting=meeting, answer=Rsvp.ACCEPTED)


def test_someone_not_invited_cannot_answer_and_pending_is_no_answer(
    poll, procuratorate_admin, bureau_inspector, bureau_admin
):
    meeting, tuesday, _thursday = poll
    meeting_fix_slot(actor=procuratorate_admin, meeting=meeting, slot=tuesday)
    with pytest.raises(ApplicationError, match="Only the participants answer the invitation"):
        participant_rsvp(actor=bureau_inspector, meeting=meeting, answer=Rsvp.ACCEPTED)
    with pytest.raises(ApplicationError, match="Accept, accept tentatively or decline"):
        participant_rsvp(actor=bureau_admin, meeting=meeting, answer=Rsvp.PENDING)
