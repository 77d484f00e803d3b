"""The meeting pages: thin views over the services, with clear messages and pinned queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.core.models import CalendarDay, HolidayYear
from portal.meetings.models import Meeting, MeetingSlot, MeetingStatus, Minutes, SlotVote
from portal.meetings.services import ActionItemData, slot_vote

from ..core.test_translations import compiled_messages, english_words  # noqa: F401 (a fixture)
from ..factories import UserFactory, agency
from ..helpers import refusals, refused_in_place
from .builders import approved, held, make_meeting, next_weekday, propose, room, scheduled

pytestmark = pytest.mark.django_db

# Each page's queries, the session, user and shell (unread count, calendar check) included;
# the calendar check is one query for an admin on every page (open deadlines in a missing year).
POLL_QUERIES = 16
LIST_QUERIES = 11
CALENDAR_QUERIES = 10


def errors(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def url(name: str, meeting: Meeting, **kwargs: int) -> str:
    return reverse(f"meetings:{name}", kwargs={"pk": meeting.pk, **kwargs})


# --- creating ------------------------------------------------------------------------------------


def test_an_organiser_creates_a_meeting_with_participants_and_goes_to_the_poll(
    client, procuratorate_admin, bureau_admin, arbitration_admin
):
    client.force_login(procuratorate_admin)
    form = client.get(reverse("meetings:create"))
    assert form.status_code == 200
    assert str(bureau_admin) in form.content.decode()
    response = client.post(
        reverse("meetings:create"),
        {
            "kind": "major_case_consultation",
            "title": "重大欠薪案件研商",
            "room": room().pk,
            "participants": [bureau_admin.pk, arbitration_admin.pk],
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == url("poll", meeting)
    assert meeting.participants.count() == 3


def test_inviting_an_account_of_no_portal_agency_tells_why_and_saves_nothing(
    client, procuratorate_admin
):
    stranger = UserFactory(username="court.clerk", full_name="法院书记员")
    client.force_login(procuratorate_admin)
    response = client.post(
        reverse("meetings:create"),
        {
            "kind": "joint_meeting",
            "title": "联席会议",
            "room": room().pk,
            "participants": [stranger.pk],
        },
    )
    assert response.status_code == 200
    assert "法院书记员 has no account of a portal agency" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_leader_is_sent_back_from_the_new_meeting_form(client, bureau_leader):
    client.force_login(bureau_leader)
    response = client.get(reverse("meetings:create"))
    assert response["Location"] == reverse("meetings:list")
    assert errors(response) == [
        "Only staff with a working role of a portal agency can organise meetings."
    ]


# --- the poll --------------------------------------------------------------------------------------


def test_a_slot_ending_before_it_starts_is_refused_with_a_message_and_not_saved(
    client, procuratorate_admin
):
    meeting = make_meeting(procuratorate_admin)
    client.force_login(procuratorate_admin)
    response = client.post(
        url("slot-propose", meeting),
        {"date": next_weekday(1).isoformat(), "start": "11:00", "end": "10:00"},
    )
    assert response.status_code == 200  # the poll again, with the time as typed
    assert refusals(response) == ["The end must be after the start."]
    assert response.context["slot_form"]["start"].value() == "11:00"
    assert not MeetingSlot.objects.exists()


def test_a_participant_votes_and_the_organiser_fixes_the_time_through_the_pages(
    client, procuratorate_admin, bureau_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    slot = propose(procuratorate_admin, meeting, next_weekday(2), "09:30", "11:00")
    client.force_login(bureau_admin)
    poll = client.get(url("poll", meeting))
    assert poll.context["can_vote"] and not poll.context["can_organise"]
    client.post(url("slot-vote", meeting), {f"slot_{slot.pk}": "yes"})
    assert SlotVote.objects.get().answer == "yes"

    client.force_login(procuratorate_admin)
    meeting.refresh_from_db()
    response = client.post(url("fix-slot", meeting), {"slot": slot.pk, "version": meeting.version})
    assert response["Location"] == url("detail", meeting)
    page = client.get(url("detail", meeting)).content.decode()
    assert timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M") in page


def test_the_poll_page_runs_the_same_queries_however_many_times_are_proposed(
    client, django_assert_num_queries, procuratorate_admin, bureau_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    propose(procuratorate_admin, meeting, next_weekday(1), "09:00", "10:00")
    client.force_login(bureau_admin)
    client.get(url("poll", meeting))  # warm the session and the content types
    with django_assert_num_queries(POLL_QUERIES) as one:
        client.get(url("poll", meeting))
    for day in (2, 3, 5):
        propose(procuratorate_admin, meeting, next_weekday(day), "14:00", "15:00")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url("poll", meeting))


def test_the_poll_shows_who_answered_what_and_who_has_not_and_preselects_the_best_time(
    client, procuratorate_admin, bureau_admin, arbitration_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin, arbitration_admin])
    early = propose(procuratorate_admin, meeting, next_weekday(1), "09:00", "10:00")
    later = propose(procuratorate_admin, meeting, next_weekday(2), "09:00", "10:00")
    slot_vote(actor=bureau_admin, meeting=meeting, answers={early.pk: "no", later.pk: "yes"})
    client.force_login(procuratorate_admin)
    response = client.get(url("poll", meeting))
    page = response.content.decode()
    row = page.split(f'data-slot="{later.pk}"')[1].split("</tr>")[0]
    assert str(bureau_admin) in row.split('data-answer="yes"')[1].split("</td>")[0]
    not_answered = page.split('data-testid="not-answered"')[1].split("</p>")[0]
    assert str(arbitration_admin) in not_answered and str(procuratorate_admin) in not_answered
    assert str(bureau_admin) not in not_answered
    assert response.context["best_slot"] == later
    assert f'<option value="{later.pk}" selected>' in page


# --- the meeting page and the lists --------------------------------------------------------------------


def test_the_meeting_page_offers_the_organiser_what_the_organiser_may_do(
    client, procuratorate_admin, bureau_admin
):
    meeting = scheduled(procuratorate_admin, [bureau_admin])
    client.force_login(procuratorate_admin)
    own = client.get(url("detail", meeting)).context
    assert own["can_organise"] and own["cancel_form"] is not None and own["can_rsvp"]
    client.force_login(bureau_admin)
    other = client.get(url("detail", meeting)).context
    assert not other["can_organise"] and other["cancel_form"] is None and other["can_rsvp"]


def test_another_agencys_meeting_is_not_found(client, procuratorate_admin, arbitrator):
    meeting = make_meeting(procuratorate_admin)
    client.force_login(arbitrator)
    for name in ("detail", "poll", "minutes", "edit"):
        assert client.get(url(name, meeting)).status_code == 404


def test_my_meetings_lists_polls_awaiting_my_answer_and_upcoming_meetings_in_fixed_queries(
    client, django_assert_num_queries, procuratorate_admin, bureau_admin
):
    poll = make_meeting(procuratorate_admin, [bureau_admin], title="待定会议")
    propose(procuratorate_admin, poll, next_weekday(1), "09:00", "10:00")
    upcoming = scheduled(
        procuratorate_admin, [bureau_admin], title="已定会议", start="14:00", end="15:00"
    )
    client.force_login(bureau_admin)
    response = client.get(reverse("meetings:list"))
    mine = response.context["mine"]
    assert [m.title for m in mine.polls] == ["待定会议"] and mine.polls[0].awaiting_vote
    assert mine.upcoming == [upcoming]
    with django_assert_num_queries(LIST_QUERIES) as few:
        client.get(reverse("meetings:list"))
    for n in range(3):
        scheduled(
            procuratorate_admin, [bureau_admin], title=f"会议{n}", day=next_weekday(n, weeks=3)
        )
        make_meeting(procuratorate_admin, [bureau_admin], title=f"待定{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("meetings:list"))


# --- the calendar --------------------------------------------------------------------------------------


def test_the_week_shows_the_meetings_the_user_sees_and_marks_rest_days(
    client, procuratorate_admin, bureau_admin, arbitrator
):
    day = next_weekday(1)
    ours = scheduled(procuratorate_admin, [bureau_admin], day=day, title="联席会议")
    theirs = scheduled(arbitrator, day=day, title="仲裁委内部会", with_room=room("仲裁庭"))
    client.force_login(bureau_admin)
    response = client.get(reverse("meetings:calendar"), {"view": "week", "date": day.isoformat()})
    weeks = response.context["weeks"]
    assert len(weeks) == 1
    tuesday = weeks[0][1]
    assert tuesday.date == day and tuesday.meetings == [ours]
    assert theirs.title not in response.content.decode()
    assert [cell.working for cell in weeks[0]][5:] == [False, False]  # the weekend


def test_the_month_shows_whole_weeks_and_a_holiday_entered_by_an_admin(client, procuratorate_admin):
    day = next_weekday(2, weeks=2)
    year = HolidayYear.objects.create(year=day.year)
    CalendarDay.objects.create(holiday_year=year, date=day, is_working_day=False, name="节日")
    meeting = scheduled(procuratorate_admin, day=day, title="节日值班会")
    client.force_login(procuratorate_admin)
    response = client.get(reverse("meetings:calendar"), {"view": "month", "date": day.isoformat()})
    cells = [cell for week in response.context["weeks"] for cell in week]
    assert len(cells) % 7 == 0 and cells[0].date.weekday() == 0
    (holiday,) = [cell for cell in cells if cell.date == day]
    assert not holiday.working and holiday.meetings == [meeting]
    assert response.context["next"] == (day.replace(day=1) + datetime.timedelta(days=32)).replace(
        day=1
    )


def test_the_calendar_runs_the_same_queries_however_many_meetings_it_shows(
    client, django_assert_num_queries, procuratorate_admin, bureau_admin
):
    day = next_weekday(1)
    client.force_login(bureau_admin)
    params = {"view": "month", "date": day.isoformat()}
    scheduled(procuratorate_admin, [bureau_admin], day=day)
    client.get(reverse("meetings:calendar"), params)
    with django_assert_num_queries(CALENDAR_QUERIES) as one:
        client.get(reverse("meetings:calendar"), params)
    for n, start in enumerate(("14:00", "15:00", "16:00")):
        scheduled(
            procuratorate_admin,
            [bureau_admin],
            day=day,
            start=start,
            end=f"{15 + n}:00",
            title=f"会{n}",
        )
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("meetings:calendar"), params)


# --- the minutes editor --------------------------------------------------------------------------------


def minutes_data(attended: list, action_items: int, **fields: str) -> dict[str, object]:
    """The minutes editor's POST: its fields, who attended and the action items' management form."""
    return {
        **fields,
        "attended_users": [user.pk for user in attended],
        "action-TOTAL_FORMS": str(action_items),
        "action-INITIAL_FORMS": "0",
        "action-MIN_NUM_FORMS": "0",
        "action-MAX_NUM_FORMS": "30",
    }


def test_the_minutes_editor_saves_and_the_organiser_approves(
    client, procuratorate_admin, bureau_admin, bureau_inspector
):
    meeting = held(scheduled(procuratorate_admin, [bureau_admin]))
    client.force_login(procuratorate_admin)
    page = client.get(url("minutes", meeting))
    assert page.context["editable"] and not page.context["can_approve"]
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        url("minutes", meeting),
        minutes_data(
            [procuratorate_admin, bureau_admin],
            2,
            summary="会议纪要",
            resolutions="一、人社局核查。",
        )
        | {
            "action-0-description": "核查线索",
            "action-0-owner_agency": bureau_admin.agency.pk,
            "action-0-owner_user": bureau_inspector.pk,
            "action-0-due_on": due,
            "action-1-description": "",
        },
    )
    assert response["Location"] == url("minutes", meeting), errors(response)
    assert meeting.action_items.get().owner_user == bureau_inspector
    assert client.get(url("minutes", meeting)).context["can_approve"]
    client.post(url("minutes-approve", meeting), {"version": meeting.version})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    frozen = client.get(url("minutes", meeting))
    assert not frozen.context["editable"]
    assert "一、人社局核查。" in frozen.content.decode()


def test_a_participant_of_another_agency_cannot_save_the_minutes(
    client, procuratorate_admin, bureau_admin
):
    meeting = held(scheduled(procuratorate_admin, [bureau_admin]))
    client.force_login(bureau_admin)
    assert not client.get(url("minutes", meeting)).context["editable"]
    response = client.post(
        url("minutes", meeting),
        {"resolutions": "篡改", "action-TOTAL_FORMS": "0", "action-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert refusals(response) == ["Only staff of the organising agency (海珠区检察院) can do this."]
    assert not Minutes.objects.exists()


# --- in Chinese ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("compiled_messages")
def test_the_meeting_pages_show_no_english(procuratorate_admin, bureau_admin):
    meeting = held(scheduled(procuratorate_admin, [bureau_admin], title="联席会议"))
    poll = make_meeting(procuratorate_admin, [bureau_admin], title="研商会")
    propose(procuratorate_admin, poll, next_weekday(5), "19:00", "20:00")  # both flags
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(procuratorate_admin)
    pages = [
        reverse("meetings:list"),
        reverse("meetings:calendar"),
        reverse("meetings:calendar") + "?view=month",
        reverse("meetings:create"),
        url("detail", meeting),
        url("minutes", meeting),
        url("edit", meeting),
        url("poll", poll),
        url("detail", poll),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert "劳动争议三方协作平台" in html, page
        assert english_words(html) == set(), page


# --- a refused move ------------------------------------------------------------------------------


def test_a_cancellation_from_a_stale_page_is_refused_next_to_its_form_with_the_reason_typed(
    client, procuratorate_admin, bureau_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    stale = meeting.version
    slot = propose(procuratorate_admin, meeting, next_weekday(2), "09:30", "11:00")
    client.force_login(procuratorate_admin)
    client.post(url("fix-slot", meeting), {"slot": slot.pk, "version": stale})  # moves on
    response = client.post(url("cancel", meeting), {"reason": "议题已解决", "version": stale})
    assert response.status_code == 200
    assert refusals(response) == ["The meeting changed meanwhile; reload the page."]
    assert response.context["cancel_form"]["reason"].value() == "议题已解决"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_the_meeting_page_offers_an_action_item_only_to_its_owner_agency_once_approved(
    client, procuratorate_admin, bureau_admin
):
    item = ActionItemData("核查线索", owner_agency=agency("bureau"), due_on=next_weekday(4))
    meeting = approved(
        held(scheduled(procuratorate_admin, [bureau_admin])), procuratorate_admin, [item]
    )
    client.force_login(bureau_admin)
    (shown,) = client.get(url("detail", meeting)).context["action_items"]
    assert shown.complete_form is not None
    client.force_login(procuratorate_admin)
    (shown,) = client.get(url("detail", meeting)).context["action_items"]
    assert shown.complete_form is None


# --- a refused form keeps what was typed -------------------------------------------------------------


def test_a_refused_meeting_keeps_everything_typed_and_names_the_field(
    client, procuratorate_admin, bureau_admin
):
    client.force_login(procuratorate_admin)
    response = client.post(
        reverse("meetings:create"),
        {
            "kind": "major_case_consultation",
            "title": "重大欠薪案件研商",
            "description": "研究鸿运建筑欠薪案的处置",
            "video_link": "not a link",
            "participants": [bureau_admin.pk],
        },
    )
    refused_in_place(
        response,
        typed=["重大欠薪案件研商", "研究鸿运建筑欠薪案的处置", "not a link"],
        field_id="id_video_link",
    )
    assert re.search(
        rf'name="participants" value="{bureau_admin.pk}" id="[^"]+" checked',
        response.content.decode(),
    )
    assert not Meeting.objects.exists()


def test_a_refused_agenda_item_keeps_everything_typed_and_names_the_field(
    client, procuratorate_admin, bureau_admin
):
    meeting = make_meeting(procuratorate_admin, [bureau_admin])
    client.force_login(procuratorate_admin)
    response = client.post(
        reverse("meetings:agenda-add", kwargs={"pk": meeting.pk}),
        {"title": "欠薪案研商", "case_number": "无此案号-1", "notes": "请准备材料"},
    )
    refused_in_place(
        response, typed=["欠薪案研商", "无此案号-1", "请准备材料"], field_id="id_case_number"
    )
    assert not meeting.agenda_items.exists()


def test_refused_minutes_keep_everything_typed_and_name_the_field(
    client, procuratorate_admin, bureau_admin
):
    meeting = held(scheduled(procuratorate_admin, [bureau_admin]))
    client.force_login(procuratorate_admin)
    response = client.post(
        url("minutes", meeting),
        minutes_data(
            [procuratorate_admin, bureau_admin],
            1,
            summary="会议纪要摘要",
            resolutions="一、人社局核查。",
        )
        | {
            "action-0-description": "核查线索",
            "action-0-owner_agency": bureau_admin.agency.pk,
            "action-0-due_on": "not a date",
        },
    )
    refused_in_place(
        response,
        typed=["会议纪要摘要", "一、人社局核查。", "核查线索", "not a date"],
        field_id="id_action-0-due_on",
    )
    assert not Minutes.objects.exists()
