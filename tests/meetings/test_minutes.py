"""Minutes: drafted by the organising agency, approved and then frozen; action items followed
up on the foundation's deadlines, overdue sweeps and the owner agency's work list."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import audit_history
from portal.core.deadlines import deadlines_recompute
from portal.core.documents import documents_of
from portal.core.errors import ApplicationError
from portal.core.models import Deadline, DocumentStatus, HolidayYear, Notification, Role
from portal.core.stored_text import shown
from portal.meetings.models import (
    ACTION_ITEM_POLICY,
    ActionItem,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)
from portal.meetings.permissions import access_meeting
from portal.meetings.selectors import action_items_for_agency, meeting_history
from portal.meetings.services import (
    ActionItemData,
    GuestData,
    MeetingData,
    MinutesData,
    SweepResult,
    action_item_complete,
    action_items_overdue_sweep,
    agenda_item_add,
    guest_add,
    meeting_cancel,
    meeting_update,
    minutes_approve,
    minutes_save,
    participant_add,
)
from portal.meetings.tasks import action_items_overdue_sweep_task

from ..factories import agency, member
from ..helpers import notification_titles
from .builders import approved, held, make_meeting, scheduled

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def in_days(days: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=days)


@pytest.fixture
def meeting(procuratorate_admin, bureau_admin, arbitration_admin) -> Meeting:
    """A consultation organised by the procuratorate that took place yesterday."""
    return held(scheduled(procuratorate_admin, [bureau_admin, arbitration_admin]))


def bureau_item(due: datetime.date | None = None, owner=None) -> ActionItemData:  # type: ignore[no-untyped-def]
    return ActionItemData(
        description="核查鑫达服装厂欠薪线索并反馈",
        owner_agency=agency("bureau"),
        owner_user=owner,
        due_on=due or in_days(14),
    )


# --- minutes_save ---------------------------------------------------------------------------------


def test_the_organising_agency_records_attendance_discussion_resolutions_and_action_items(
    meeting, procuratorate_admin, procuratorate_liaison, bureau_admin, arbitration_admin
):
    item = agenda_item_add(actor=procuratorate_admin, meeting=meeting, title="欠薪案研商")
    guest = guest_add(actor=procuratorate_admin, meeting=meeting, data=GuestData("陈法官", "法院"))
    minutes = minutes_save(
        actor=procuratorate_liaison,  # a colleague with a working role drafts them
        meeting=meeting,
        data=MinutesData(
            summary="三方通报情况。",
            resolutions="一、人社局核查线索。",
            discussions={item.pk: "与会各方认为应当加快核查。"},
            attended_users={procuratorate_admin.pk, bureau_admin.pk},
            attended_guests={guest.pk},
            action_items=[bureau_item(owner=bureau_admin)],
        ),
    )
    assert (minutes.status, minutes.resolutions, minutes.updated_by) == (
        MinutesStatus.DRAFT,
        "一、人社局核查线索。",
        procuratorate_liaison,
    )
    attended = dict(meeting.participants.values_list("user__username", "attended"))
    assert attended == {"proc.admin": True, "bureau.admin": True, "arb.admin": False}
    guest.refresh_from_db()
    item.refresh_from_db()
    assert guest.attended and item.discussion == "与会各方认为应当加快核查。"
    (action,) = meeting.action_items.all()
    assert (action.owner_agency.code, action.owner_user, action.deadline) == (
        "bureau",
        bureau_admin,
        None,
    )
    assert audit_history(meeting).filter(action="meeting.minutes_save").count() == 1


def test_saving_again_replaces_the_draft_action_items(meeting, procuratorate_admin):
    minutes_save(
        actor=procuratorate_admin, meeting=meeting, data=MinutesData(action_items=[bureau_item()])
    )
    minutes_save(
        actor=procuratorate_admin,
        meeting=meeting,
        data=MinutesData(action_items=[bureau_item(), bureau_item(in_days(30))]),
    )
    assert [i.position for i in meeting.action_items.all()] == [1, 2]


def test_the_minutes_are_written_once_the_time_is_fixed(procuratorate_admin):
    planning = make_meeting(procuratorate_admin)
    with pytest.raises(ApplicationError, match="once the time is fixed"):
        minutes_save(actor=procuratorate_admin, meeting=planning, data=MinutesData())
    assert not Minutes.objects.exists()


@pytest.mark.parametrize("who", ["bureau_admin", "procuratorate_leader"])
def test_a_participant_of_another_agency_or_a_leader_cannot_write_the_minutes(
    meeting, request, who
):
    if who == "procuratorate_leader":
        actor = member("proc.leader", "procuratorate", Role.LEADER)
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(ApplicationError, match="Only staff of the organising agency"):
        minutes_save(actor=actor, meeting=meeting, data=MinutesData(resolutions="改"))
    assert not Minutes.objects.exists()


def test_an_action_item_for_someone_outside_its_owner_agency_is_refused_and_nothing_saved(
    meeting, procuratorate_admin, arbitrator
):
    with pytest.raises(ApplicationError, match="is not a member of 海珠区人社局") as error:
        minutes_save(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MinutesData(
                resolutions="决议",
                attended_users={procuratorate_admin.pk},
                action_items=[bureau_item(owner=arbitrator)],
            ),
        )
    assert error.value.field == "action_items"
    assert not Minutes.objects.exists()
    assert not ActionItem.objects.exists()
    assert set(meeting.participants.values_list("attended", flat=True)) == {None}


def test_an_action_item_due_before_the_meeting_or_without_words_is_refused(
    meeting, procuratorate_admin
):
    assert meeting.starts_at is not None
    before = timezone.localtime(meeting.starts_at).date() - datetime.timedelta(days=1)
    with pytest.raises(ApplicationError, match="cannot be due before the meeting"):
        minutes_save(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MinutesData(action_items=[bureau_item(before)]),
        )
    empty = ActionItemData(description=" ", owner_agency=agency("bureau"), due_on=in_days(3))
    with pytest.raises(ApplicationError, match="needs a description"):
        minutes_save(
            actor=procuratorate_admin, meeting=meeting, data=MinutesData(action_items=[empty])
        )
    court = ActionItemData(description="出具意见", owner_agency=agency("court"), due_on=in_days(3))
    with pytest.raises(ApplicationError, match="owned by a portal agency"):
        minutes_save(
            actor=procuratorate_admin, meeting=meeting, data=MinutesData(action_items=[court])
        )


# --- minutes_approve -------------------------------------------------------------------------------


def test_approval_freezes_the_minutes_closes_the_meeting_and_starts_the_action_items(
    django_capture_on_commit_callbacks, meeting, procuratorate_admin, bureau_admin, bureau_inspector
):
    minutes_save(
        actor=procuratorate_admin,
        meeting=meeting,
        data=MinutesData(
            resolutions="一、核查。", action_items=[bureau_item(in_days(10), bureau_inspector)]
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        minutes = minutes_approve(actor=procuratorate_admin, meeting=meeting)
        assert not notification_titles(bureau_admin)
    meeting.refresh_from_db()
    assert (minutes.status, minutes.approved_by) == (MinutesStatus.APPROVED, procuratorate_admin)
    assert meeting.status == MeetingStatus.CLOSED
    (item,) = meeting.action_items.all()
    deadline = item.deadline
    assert deadline is not None
    assert (deadline.policy.key, deadline.started_on, deadline.due_on, deadline.provisional) == (
        ACTION_ITEM_POLICY,
        TODAY(),
        in_days(10),
        False,
    )
    assert deadline.content_type == ContentType.objects.get_for_model(ActionItem)
    # The owner agency's administrators and the owner are told; the PDF is rendered.
    for user in (bureau_admin, bureau_inspector):
        assert any(
            title.startswith("Action item for Haizhu Human Resources Bureau")
            for title in notification_titles(user)
        )
    (document,) = documents_of(meeting)
    assert document.status == DocumentStatus.READY
    assert document.file.open("rb").read(5) == b"%PDF-"
    event = audit_history(meeting).filter(action="meeting.minutes_approve").get()
    assert (event.status_before, event.status_after) == ("scheduled", "closed")


def test_approved_minutes_cannot_be_changed_in_any_way(meeting, procuratorate_admin, arbitrator):
    approved(meeting, procuratorate_admin, [bureau_item()])
    frozen = "The minutes are approved"
    with pytest.raises(ApplicationError, match=frozen):
        minutes_save(actor=procuratorate_admin, meeting=meeting, data=MinutesData(resolutions="改"))
    with pytest.raises(ApplicationError, match=frozen):
        minutes_approve(actor=procuratorate_admin, meeting=meeting)
    with pytest.raises(ApplicationError, match=frozen):
        agenda_item_add(actor=procuratorate_admin, meeting=meeting, title="补充议题")
    with pytest.raises(ApplicationError, match=frozen):
        participant_add(actor=procuratorate_admin, meeting=meeting, user=arbitrator)
    with pytest.raises(ApplicationError, match=frozen):
        meeting_update(
            actor=procuratorate_admin,
            meeting=meeting,
            data=MeetingData(kind=meeting.kind, title="改", room=meeting.room),
        )
    with pytest.raises(ApplicationError, match=frozen):
        meeting_cancel(actor=procuratorate_admin, meeting=meeting)
    minutes = Minutes.objects.get()
    assert minutes.resolutions == "一、加强线索移送。"
    assert meeting.action_items.count() == 1
    assert audit_history(meeting).filter(action="meeting.minutes_approve").count() == 1


def test_minutes_are_approved_by_the_organiser_or_an_admin_of_the_organising_agency(
    procuratorate_liaison, procuratorate_admin, bureau_admin
):
    colleague = member("proc.officer", "procuratorate", Role.LIAISON)
    meeting = held(scheduled(procuratorate_liaison, [bureau_admin]))
    minutes_save(actor=procuratorate_liaison, meeting=meeting, data=MinutesData(resolutions="决议"))
    for actor in (colleague, bureau_admin):
        with pytest.raises(ApplicationError, match="Only the organiser or an administrator"):
            minutes_approve(actor=actor, meeting=meeting)
    assert minutes_approve(actor=procuratorate_admin, meeting=meeting).is_approved


def test_minutes_are_approved_only_once_written_and_once_the_meeting_began(
    procuratorate_admin, bureau_admin
):
    upcoming = scheduled(procuratorate_admin, [bureau_admin])
    with pytest.raises(ApplicationError, match="Write the minutes first"):
        minutes_approve(actor=procuratorate_admin, meeting=upcoming)
    minutes_save(actor=procuratorate_admin, meeting=upcoming, data=MinutesData(resolutions="预拟"))
    with pytest.raises(ApplicationError, match="once the meeting has begun"):
        minutes_approve(actor=procuratorate_admin, meeting=upcoming)
    upcoming.refresh_from_db()
    assert upcoming.status == MeetingStatus.SCHEDULED
    assert Minutes.objects.get().status == MinutesStatus.DRAFT


def test_the_owner_agency_sees_the_meeting_of_its_action_item(procuratorate_admin):
    arbitration_clerk = member("arb.clerk", "arbitration", Role.MEDIATOR)
    internal = held(scheduled(procuratorate_admin, title="检察院内部会"))
    with pytest.raises(Http404):
        access_meeting(arbitration_clerk, internal.pk)
    arbitration_item = ActionItemData("提供仲裁案卷", agency("arbitration"), in_days(7))
    approved(internal, procuratorate_admin, [arbitration_item])
    assert access_meeting(arbitration_clerk, internal.pk) == internal


# --- action items --------------------------------------------------------------------------------------


def test_the_owner_agency_reports_an_action_item_done_and_its_deadline_is_met(
    django_capture_on_commit_callbacks, meeting, procuratorate_admin, bureau_inspector
):
    approved(meeting, procuratorate_admin, [bureau_item()])
    item = meeting.action_items.get()
    with django_capture_on_commit_callbacks(execute=True):
        action_item_complete(actor=bureau_inspector, item=item, note="已立案查处")
    item.refresh_from_db()
    assert (item.status, item.completed_by, item.completion_note) == (
        ActionItemStatus.DONE,
        bureau_inspector,
        "已立案查处",
    )
    assert Deadline.objects.get(pk=item.deadline_id).met_at is not None
    assert any(title.startswith("Done: ") for title in notification_titles(procuratorate_admin))
    event = audit_history(item).filter(action="action_item.complete").get()
    assert (event.actor, event.status_before, event.status_after) == (
        bureau_inspector,
        "open",
        "done",
    )


def test_an_action_item_is_done_once_only_by_its_agency_and_only_after_approval(
    meeting, procuratorate_admin, arbitration_admin, bureau_admin, bureau_leader
):
    minutes_save(
        actor=procuratorate_admin, meeting=meeting, data=MinutesData(action_items=[bureau_item()])
    )
    draft_item = meeting.action_items.get()
    with pytest.raises(ApplicationError, match="once the minutes are approved"):
        action_item_complete(actor=bureau_admin, item=draft_item)
    minutes_approve(actor=procuratorate_admin, meeting=meeting)
    item = meeting.action_items.get()
    for actor in (arbitration_admin, procuratorate_admin, bureau_leader):
        with pytest.raises(ApplicationError, match="Only 海珠区人社局 can report"):
            action_item_complete(actor=actor, item=item)
    action_item_complete(actor=bureau_admin, item=item)
    with pytest.raises(ApplicationError, match="already done"):
        action_item_complete(actor=bureau_admin, item=item)
    assert audit_history(item).filter(action="action_item.complete").count() == 1
    assert [e.action for e in meeting_history(meeting)].count("action_item.complete") == 1


def test_the_owner_agencys_work_list_shows_its_open_action_items(
    client, meeting, procuratorate_admin, bureau_admin, arbitration_admin
):
    approved(meeting, procuratorate_admin, [bureau_item(in_days(5))])
    assert [i.description for i in action_items_for_agency(bureau_admin)] == [
        "核查鑫达服装厂欠薪线索并反馈"
    ]
    assert action_items_for_agency(arbitration_admin) == []
    client.force_login(bureau_admin)
    home = client.get(reverse("core:home"))
    assert list(home.context["meeting_action_items"]) == list(meeting.action_items.all())
    assert "核查鑫达服装厂欠薪线索并反馈" in home.content.decode()
    action_item_complete(actor=bureau_admin, item=meeting.action_items.get())
    assert action_items_for_agency(bureau_admin) == []


def test_draft_action_items_are_not_yet_in_the_work_list(
    meeting, procuratorate_admin, bureau_admin
):
    minutes_save(
        actor=procuratorate_admin, meeting=meeting, data=MinutesData(action_items=[bureau_item()])
    )
    assert action_items_for_agency(bureau_admin) == []


def test_recomputing_deadlines_for_a_holiday_year_leaves_the_minutes_due_dates_alone(
    meeting, procuratorate_admin
):
    due = in_days(12)
    approved(meeting, procuratorate_admin, [bureau_item(due)])
    HolidayYear.objects.get_or_create(year=due.year)
    deadlines_recompute(year=due.year)
    deadlines_recompute()
    assert meeting.action_items.get().deadline.due_on == due


# --- overdue ---------------------------------------------------------------------------------------------


def overdue_notices(user) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        shown(title)
        for title in user.notifications.filter(dedupe_key__contains="action-item-")
        .exclude(dedupe_key__endswith="-assigned")
        .values_list("title", flat=True)
    ]


def test_an_overdue_action_item_is_announced_to_the_owner_agency_once(
    django_capture_on_commit_callbacks,
    outbox,
    meeting,
    procuratorate_admin,
    bureau_admin,
    bureau_inspector,
    arbitration_admin,
):
    approved(meeting, procuratorate_admin, [bureau_item(in_days(3), bureau_inspector)])
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = action_items_overdue_sweep(today=in_days(4))
    assert (result.overdue, result.escalated) == (1, 0)
    title = "Overdue action item: 核查鑫达服装厂欠薪线索并反馈"
    assert overdue_notices(bureau_admin) == [title]
    assert overdue_notices(bureau_inspector) == [title]
    assert overdue_notices(arbitration_admin) == []
    assert {m.to[0] for m in outbox} == {bureau_admin.email, bureau_inspector.email}
    assert meeting.action_items.get().deadline.overdue_notified_at is not None

    again = action_items_overdue_sweep(today=in_days(5))
    assert (again.overdue, again.notifications) == (0, 0)
    assert len(overdue_notices(bureau_admin)) == 1


def test_nothing_is_overdue_on_its_due_date_or_once_done(
    meeting, procuratorate_admin, bureau_admin
):
    approved(meeting, procuratorate_admin, [bureau_item(in_days(3))])
    assert action_items_overdue_sweep(today=in_days(3)).overdue == 0
    action_item_complete(actor=bureau_admin, item=meeting.action_items.get())
    assert action_items_overdue_sweep(today=in_days(30)).overdue == 0
    assert overdue_notices(bureau_admin) == []


def test_a_long_overdue_action_item_escalates_to_the_organisers_and_the_owner_agencys_leaders(
    meeting, procuratorate_admin, bureau_admin, bureau_leader
):
    approved(meeting, procuratorate_admin, [bureau_item(in_days(3))])
    item = meeting.action_items.get()
    interval = item.deadline.policy.escalate_after_days
    action_items_overdue_sweep(today=in_days(4))
    result = action_items_overdue_sweep(today=in_days(4 + interval))
    assert (result.overdue, result.escalated) == (0, 1)
    escalated = "Escalated: the action item “核查鑫达服装厂欠薪线索并反馈” is long overdue"
    for user in (bureau_admin, bureau_leader, procuratorate_admin):
        assert escalated in overdue_notices(user)
    assert action_items_overdue_sweep(today=in_days(40)) == SweepResult(0, 0, 0)


# a savepoint, the late items, their agencies' people, the existing notifications, the insert,
# the ids inserted, the outbox row of their emails, the update of the deadlines, the release; on
# PostgreSQL the existing notifications, the insert and the ids inserted are one statement
# (notify_bulk)
QUERIES = 7 if connection.vendor == "postgresql" else 9


def test_the_overdue_sweep_runs_a_fixed_number_of_queries(
    django_assert_num_queries, procuratorate_admin, bureau_admin, arbitration_admin
):
    def late_meeting(title: str, items: int, days_ago: int) -> None:
        meeting = scheduled(procuratorate_admin, [bureau_admin, arbitration_admin], title=title)
        owners = ["bureau", "arbitration"]
        approved(
            held(meeting, days_ago=days_ago),
            procuratorate_admin,
            [ActionItemData(f"事项{n}", agency(owners[n % 2]), in_days(1)) for n in range(items)],
        )

    late_meeting("第一次", 1, days_ago=2)
    with django_assert_num_queries(QUERIES) as one:
        action_items_overdue_sweep(today=in_days(2))
    late_meeting("第二次", 4, days_ago=1)
    with django_assert_num_queries(len(one.captured_queries)):
        result = action_items_overdue_sweep(today=in_days(2))
    assert result.overdue == 4
    assert Notification.objects.filter(dedupe_key__startswith="action-item-overdue-").count() == 5


def test_the_beat_task_runs_the_sweep(meeting, procuratorate_admin):
    approved(meeting, procuratorate_admin, [bureau_item(in_days(3))])
    assert action_items_overdue_sweep_task.delay().get().overdue == 0  # not due yet
