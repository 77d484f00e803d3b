"""Meetings themselves: organising, changing, cancelling; participants and guests."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import translation

from portal.core.audit import audit_history
from portal.core.errors import ApplicationError
from portal.core.models import Notification
from portal.core.people import membership_end
from portal.core.stored_text import shown
from portal.meetings.models import Guest, Meeting, MeetingKind, MeetingStatus, Participant, Rsvp
from portal.meetings.permissions import access_meeting, meetings_visible_to
from portal.meetings.services import (
    GuestData,
    MeetingData,
    guest_add,
    guest_remove,
    meeting_cancel,
    meeting_create,
    meeting_update,
    participant_add,
    participant_remove,
)

from ..factories import UserFactory, member
from ..helpers import notification_titles, shown_note
from .builders import make_meeting, next_weekday, room, scheduled, span

pytestmark = pytest.mark.django_db


def actions(meeting: Meeting) -> list[str]:
    return list(audit_history(meeting).values_list("action", flat=True))


# --- meeting_create -------------------------------------------------------------------------------


def test_staff_with_a_working_role_can_organise_a_meeting_for_their_agency(
    procuratorate_liaison, bureau_admin, arbitration_mediator
):
    meeting = make_meeting(
        procuratorate_liaison,
        [bureau_admin, arbitration_mediator],
        kind=MeetingKind.MAJOR_CASE_CONSULTATION,
    )
    assert meeting.status == MeetingStatus.PLANNING
    assert meeting.organiser_agency.code == "procuratorate"
    assert meeting.organiser == procuratorate_liaison
    participants = {p.user.username: p.rsvp for p in meeting.participants.all()}
    # The organiser takes part and has answered; the others have not yet.
    assert participants == {
        "proc.liaison": Rsvp.ACCEPTED,
        "bureau.admin": Rsvp.PENDING,
        "arb.mediator": Rsvp.PENDING,
    }
    assert actions(meeting) == ["meeting.create"]


def test_the_organising_and_the_participating_agencies_see_the_meeting_and_no_one_else(
    procuratorate_liaison, bureau_admin, bureau_inspector, arbitrator, outsider
):
    meeting = make_meeting(procuratorate_liaison, [bureau_admin])
    # A colleague of a participant sees it through the agency; the arbitration committee and
    # an account without an agency do not.
    assert access_meeting(bureau_inspector, meeting.pk) == meeting
    for user in (arbitrator, outsider):
        with pytest.raises(Http404):
            access_meeting(user, meeting.pk)
        assert not meetings_visible_to(user).exists()


@pytest.mark.parametrize("who", ["bureau_leader", "outsider"])
def test_only_staff_with_a_working_role_of_a_portal_agency_can_organise(request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(ApplicationError, match="Only staff with a working role"):
        make_meeting(actor)
    assert not Meeting.objects.exists()


def test_a_participant_without_an_account_of_a_portal_agency_is_refused_and_nothing_is_saved(
    procuratorate_admin, bureau_admin
):
    guest_account = UserFactory(username="court.clerk", full_name="法院书记员")
    with pytest.raises(ApplicationError) as error:
        make_meeting(procuratorate_admin, [bureau_admin, guest_account])
    assert "法院书记员 has no account of a portal agency" in error.value.message
    assert "invite them as a guest" in error.value.message
    assert error.value.field == "participants"
    assert not Meeting.objects.exists()
    assert not Participant.objects.exists()


def test_a_person_who_left_their_agency_cannot_be_invited(procuratorate_admin, bureau_admin):
    membership_end(actor=None, user=bureau_admin)
    with pytest.raises(ApplicationError, match="has no account of a portal agency"):
        make_meeting(procuratorate_admin, [bureau_admin])


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"room": None}, "Choose a room or give a video link.", "room"),
        ({"video_link": "腾讯会议 123"}, "not a web address", "video_link"),
        ({"title": "  "}, "needs a title", "title"),
        ({"kind": "party"}, "Unknown kind", "kind"),
    ],
)
def test_a_meeting_without_a_place_or_with_bad_input_is_refused(
    procuratorate_admin, changes, message, field
):
    data = {
        "kind": MeetingKind.JOINT_MEETING,
        "title": "联席会议",
        "room": room(),
        "video_link": "",
    }
    data.update(changes)
    with pytest.raises(ApplicationError, match=message) as error:
        meeting_create(actor=procuratorate_admin, data=MeetingData(**data))
    assert error.value.field == field
    assert not Meeting.objects.exists()


def test_a_liaison_call_needs_only_a_video_link(procuratorate_liaison, arbitrator):
    meeting = make_meeting(
        procuratorate_liaison,
        [arbitrator],
        kind=MeetingKind.LIAISON_CALL,
        video_link="https://meeting.example.gov.cn/j/123",
    )
    assert meeting.room is None
    assert meeting.place == "https://meeting.example.gov.cn/j/123"


def test_participants_are_invited_in_the_portal_and_by_email_after_commit(
    django_capture_on_commit_callbacks, outbox, procuratorate_admin, bureau_admin
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(procuratorate_admin, [bureau_admin])
        assert not Notification.objects.exists()
    notification = bureau_admin.notifications.get()
    assert shown(notification.title) == f"You are invited: {meeting.title}"
    assert notification.url == f"/meetings/{meeting.pk}/"
    assert [message.to for message in outbox] == [[bureau_admin.email]]
    assert not procuratorate_admin.notifications.exists()


# --- meeting_update ---------------------------------------------------------------------------------


def test_changing_a_meeting_being_planned_sends_no_calendar_update(
    django_capture_on_commit_callbacks, outbox, procuratorate_admin, bureau_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title="改名后的会议", room=meeting.room),
        )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.sequence) == ("改名后的会议", 0)
    assert outbox == []
    assert actions(meeting)[0] == "meeting.update"


def test_moving_a_scheduled_meeting_raises_its_sequence_and_resets_the_reminders(
    procuratorate_admin, bureau_admin
):
    meeting = scheduled(procuratorate_admin, [bureau_admin])
    Meeting.objects.filter(pk=meeting.pk).update(reminded_24h_at=meeting.starts_at)
    starts_at, ends_at = span(next_weekday(3), "14:30", "16:00")
    meeting_update(
        actor=procuratorate_admin,
        meeting=meeting,
        data=MeetingData(
            kind=meeting.kind,
            title=meeting.title,
            description=meeting.description,
            room=meeting.room,
        ),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ends_at, meeting.sequence) == (starts_at, ends_at, 1)
    assert meeting.reminded_24h_at is None
    update = audit_history(meeting).filter(action="meeting.update").get()
    with translation.override("zh-hans"):
        assert shown_note(update) == "开始时间, 结束时间"


def test_a_change_that_changes_nothing_keeps_the_sequence(procuratorate_admin, bureau_admin):
    meeting = scheduled(procuratorate_admin, [bureau_admin])
    meeting_update(
        actor=procuratorate_admin,
        meeting=meeting,
        data=MeetingData(
            kind=meeting.kind,
            title=meeting.title,
            description=meeting.description,
            room=meeting.room,
        ),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )
    meeting.refresh_from_db()
    assert meeting.sequence == 0
    assert "meeting.update" not in actions(meeting)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [("11:00", "10:00", "The end must be after the start."), ("10:00", "10:00", "after the start")],
)
def test_moving_a_meeting_to_an_end_before_its_start_is_refused(
    procuratorate_admin, start, end, message
):
    meeting = scheduled(procuratorate_admin)
    starts_at, ends_at = span(next_weekday(3), start, end)
    with pytest.raises(ApplicationError, match=message):
        meeting_update(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title="新标题", room=meeting.room),
            starts_at=starts_at,
            ends_at=ends_at,
        )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.sequence) == ("2026年第四季度联席会议", 0)


def test_moving_a_meeting_into_the_past_is_refused(procuratorate_admin):
    meeting = scheduled(procuratorate_admin)
    yesterday = next_weekday(0, weeks=-1)
    starts_at, ends_at = span(yesterday, "09:00", "10:00")
    with pytest.raises(ApplicationError, match="This time is in the past"):
        meeting_update(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title=meeting.title, room=meeting.room),
            starts_at=starts_at,
            ends_at=ends_at,
        )


def test_a_time_cannot_be_set_by_hand_before_the_poll_fixed_one(procuratorate_admin):
    meeting = make_meeting(procuratorate_admin)
    starts_at, ends_at = span(next_weekday(1), "09:00", "10:00")
    with pytest.raises(ApplicationError, match="Find the time with the poll first"):
        meeting_update(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title=meeting.title, room=meeting.room),
            starts_at=starts_at,
            ends_at=ends_at,
        )


def test_another_agency_cannot_change_the_meeting(procuratorate_admin, bureau_admin):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        meeting_update(
            actor=bureau_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title="改", room=meeting.room),
        )


def test_a_leader_of_the_organising_agency_cannot_change_the_meeting(bureau_admin, bureau_leader):
    meeting = make_meeting(bureau_admin, [bureau_leader])
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        meeting_update(
            actor=bureau_leader,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title="改", room=meeting.room),
        )


# --- meeting_cancel ---------------------------------------------------------------------------------


def test_cancelling_tells_the_participants_after_commit_and_is_audited(
    django_capture_on_commit_callbacks, procuratorate_admin, bureau_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(actor=procuratorate_admin, meeting=meeting, reason="议题已解决")
        assert not notification_titles(bureau_admin)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.sequence == 0  # never sent as a calendar event: nothing to cancel there
    assert f"Cancelled: {meeting.title}" in notification_titles(bureau_admin)
    event = audit_history(meeting).filter(action="meeting.cancel").get()
    assert (event.status_before, event.status_after, event.note) == (
        "planning",
        "cancelled",
        "议题已解决",
    )


def test_a_cancelled_meeting_cannot_be_cancelled_or_changed_again(procuratorate_admin):
    meeting = make_meeting(procuratorate_admin)
    meeting_cancel(actor=procuratorate_admin, meeting=meeting)
    with pytest.raises(ApplicationError, match="The meeting was cancelled"):
        meeting_cancel(actor=procuratorate_admin, meeting=meeting)
    with pytest.raises(ApplicationError, match="The meeting was cancelled"):
        meeting_update(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title="改", room=meeting.room),
        )
    assert actions(meeting).count("meeting.cancel") == 1


def test_a_participant_of_another_agency_cannot_cancel(procuratorate_admin, bureau_admin):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        meeting_cancel(actor=bureau_admin, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNING


# --- participants and guests ------------------------------------------------------------------------


def test_inviting_a_person_lets_their_agency_see_the_meeting(
    django_capture_on_commit_callbacks, procuratorate_admin, arbitrator, arbitration_mediator
):
    meeting = make_meeting(procuratorate_admin)
    with pytest.raises(Http404):
        access_meeting(arbitration_mediator, meeting.pk)
    with django_capture_on_commit_callbacks(execute=True):
        participant_add(actor=procuratorate_admin, meeting=meeting, user=arbitrator)
    assert access_meeting(arbitration_mediator, meeting.pk) == meeting
    assert any(t.startswith("You are invited") for t in notification_titles(arbitrator))
    assert audit_history(meeting).filter(action="meeting.participant_add").get().note == (
        "arb.arbitrator"
    )


def test_inviting_someone_twice_or_without_a_portal_account_is_refused(
    procuratorate_admin, arbitrator, outsider
):
    meeting = make_meeting(procuratorate_admin, [arbitrator])
    with pytest.raises(ApplicationError, match="is already invited"):
        participant_add(actor=procuratorate_admin, meeting=meeting, user=arbitrator)
    with pytest.raises(ApplicationError, match="has no account of a portal agency"):
        participant_add(actor=procuratorate_admin, meeting=meeting, user=outsider)
    assert meeting.participants.count() == 2


def test_removing_the_last_participant_of_an_agency_takes_the_meeting_away_from_it(
    procuratorate_admin, arbitrator, arbitration_mediator
):
    meeting = make_meeting(procuratorate_admin, [arbitrator, arbitration_mediator])
    participant_remove(
        actor=procuratorate_admin,
        meeting=meeting,
        participant=meeting.participants.get(user=arbitrator),
    )
    assert access_meeting(arbitrator, meeting.pk) == meeting  # a colleague still takes part
    participant_remove(
        actor=procuratorate_admin,
        meeting=meeting,
        participant=meeting.participants.get(user=arbitration_mediator),
    )
    with pytest.raises(Http404):
        access_meeting(arbitrator, meeting.pk)
    assert actions(meeting).count("meeting.participant_remove") == 2


def test_the_organiser_cannot_be_removed(procuratorate_admin):
    meeting = make_meeting(procuratorate_admin)
    with pytest.raises(ApplicationError, match="organiser cannot be removed"):
        participant_remove(
            actor=procuratorate_admin, meeting=meeting, participant=meeting.participants.get()
        )


def test_a_participant_of_another_meeting_cannot_be_removed_through_this_one(
    procuratorate_admin, arbitrator
):
    meeting = make_meeting(procuratorate_admin)
    other = make_meeting(procuratorate_admin, [arbitrator], title="另一个会议")
    with pytest.raises(ApplicationError, match="not invited to this meeting"):
        participant_remove(
            actor=procuratorate_admin,
            meeting=meeting,
            participant=other.participants.get(user=arbitrator),
        )
    assert other.participants.filter(user=arbitrator).exists()


def test_guests_are_invited_by_name_and_organisation(procuratorate_admin):
    meeting = make_meeting(procuratorate_admin)
    guest = guest_add(
        actor=procuratorate_admin,
        meeting=meeting,
        data=GuestData(name="陈法官", organisation="海珠区人民法院", email="chen@court.example.cn"),
    )
    assert str(guest) == "陈法官 (海珠区人民法院)"
    guest_remove(actor=procuratorate_admin, meeting=meeting, guest=guest)
    assert not Guest.objects.exists()
    assert actions(meeting)[:2] == ["meeting.guest_remove", "meeting.guest_add"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (GuestData(name="陈法官", organisation=""), "needs a name and an organisation"),
        (GuestData(name="陈法官", organisation="法院", email="not-an-address"), "not valid"),
    ],
)
def test_a_guest_without_an_organisation_or_with_a_bad_address_is_refused(
    procuratorate_admin, data, message
):
    meeting = make_meeting(procuratorate_admin)
    with pytest.raises(ApplicationError, match=message):
        guest_add(actor=procuratorate_admin, meeting=meeting, data=data)
    assert not Guest.objects.exists()


def test_only_the_organising_agency_invites_people(procuratorate_admin, bureau_admin, arbitrator):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        participant_add(actor=bureau_admin, meeting=meeting, user=arbitrator)
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        guest_add(actor=bureau_admin, meeting=meeting, data=GuestData("陈", "法院"))


def test_an_inactive_account_cannot_be_invited(procuratorate_admin):
    former = member("bureau.former", "bureau", "inspector")
    former.is_active = False
    former.save(update_fields=["is_active"])
    meeting = make_meeting(procuratorate_admin)
    with pytest.raises(ApplicationError, match="has no account of a portal agency"):
        participant_add(actor=procuratorate_admin, meeting=meeting, user=former)


@pytest.mark.parametrize(
    "move",
    ["cancel", "propose", "fix", "agenda", "invite", "guest"],
)
def test_a_leader_of_the_organising_agency_makes_none_of_the_organisers_moves(
    bureau_admin, bureau_leader, arbitrator, move
):
    from portal.meetings.services import agenda_item_add, meeting_fix_slot, slot_propose

    from .builders import propose

    meeting = make_meeting(bureau_admin, [bureau_leader])
    slot = propose(bureau_admin, meeting, next_weekday(1), "09:00", "10:00")
    starts_at, ends_at = span(next_weekday(2), "09:00", "10:00")
    moves = {
        "cancel": lambda: meeting_cancel(actor=bureau_leader, meeting=meeting),
        "propose": lambda: slot_propose(
            actor=bureau_leader, meeting=meeting, starts_at=starts_at, ends_at=ends_at
        ),
        "fix": lambda: meeting_fix_slot(actor=bureau_leader, meeting=meeting, slot=slot),
        "agenda": lambda: agenda_item_add(actor=bureau_leader, meeting=meeting, title="议题"),
        "invite": lambda: participant_add(actor=bureau_leader, meeting=meeting, user=arbitrator),
        "guest": lambda: guest_add(
            actor=bureau_leader, meeting=meeting, data=GuestData("陈", "法院")
        ),
    }
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        moves[move]()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNING
    assert actions(meeting) == ["meeting.slot_propose", "meeting.create"]
