"""Demo meetings for seed_demo: one of every kind, an open poll, and approved minutes with an
overdue action item. Built through the services; idempotent (each meeting once, by title)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from portal.cases.models import Case
from portal.core.models import Agency, User

from .models import Meeting, MeetingKind, Room
from .services import (
    ActionItemData,
    GuestData,
    MeetingData,
    MinutesData,
    agenda_item_add,
    guest_add,
    meeting_create,
    meeting_fix_slot,
    minutes_approve,
    minutes_save,
    participant_rsvp,
    slot_propose,
    slot_vote,
)

ROOMS = [
    # name, seats, location
    ("人社局三楼联席会议室", 20, "广州市海珠区江南大道中路"),
    ("仲裁委二楼调解室", 8, "海珠区劳动人事争议仲裁院二楼"),
    ("检察院五楼会议室", 16, "海珠区人民检察院五楼"),
]

JOINT_MEETING = "2026年第三季度劳动争议多元治理联席会议"
CONSULTATION = "鸿运建筑劳务公司欠薪案重大案件研商"
SUPERVISION = "康乐村服装加工片区欠薪问题联合督查"
LIAISON_CALL = "仲裁委—检察院虚假仲裁线索联络通话"


def _rooms() -> dict[str, Room]:
    rooms = {}
    for name, seats, location in ROOMS:
        rooms[name] = Room.objects.get_or_create(
            name=name, defaults={"capacity": seats, "location": location}
        )[0]
    return rooms


def _next_weekday(weekday: int, weeks: int = 1) -> datetime.date:
    today = timezone.localdate()
    return (
        today
        - datetime.timedelta(days=today.weekday())
        + datetime.timedelta(weeks=weeks, days=weekday)
    )


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def _fix(
    organiser: User,
    meeting: Meeting,
    day: datetime.date,
    start: tuple[int, int],
    end: tuple[int, int],
) -> Meeting:
    slot = slot_propose(
        actor=organiser, meeting=meeting, starts_at=_at(day, *start), ends_at=_at(day, *end)
    )
    return meeting_fix_slot(actor=organiser, meeting=meeting, slot=slot)


def _move_into_the_past(meeting: Meeting, days: int) -> Meeting:
    """Demo history: the services refuse times in the past, so the held meeting is scheduled
    ahead and then moved back, as if it had taken place `days` days ago."""
    assert meeting.starts_at is not None and meeting.ends_at is not None
    shift = datetime.timedelta(
        days=(timezone.localtime(meeting.starts_at).date() - timezone.localdate()).days + days
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at - shift, ends_at=meeting.ends_at - shift
    )
    meeting.refresh_from_db()
    return meeting


def seed(users: dict[str, User]) -> None:
    rooms = _rooms()
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    if not Meeting.objects.filter(title=JOINT_MEETING).exists():
        _joint_meeting(users, rooms, agencies)
    if not Meeting.objects.filter(title=CONSULTATION).exists():
        _consultation(users, rooms)
    if not Meeting.objects.filter(title=SUPERVISION).exists():
        _supervision(users, rooms)
    if not Meeting.objects.filter(title=LIAISON_CALL).exists():
        _liaison_call(users)


def _joint_meeting(
    users: dict[str, User], rooms: dict[str, Room], agencies: dict[str, Agency]
) -> None:
    """Held a fortnight ago; its minutes are approved and the bureau's action item is overdue."""
    organiser = users["bureau.admin"]
    meeting = meeting_create(
        actor=organiser,
        data=MeetingData(
            kind=MeetingKind.JOINT_MEETING,
            title=JOINT_MEETING,
            description="通报本季度劳动争议案件和欠薪线索办理情况，研究建筑领域欠薪治理措施。",
            room=rooms["人社局三楼联席会议室"],
        ),
        participants=[
            users["bureau.inspector"],
            users["arb.admin"],
            users["proc.admin"],
            users["leader"],
        ],
    )
    guest_add(
        actor=organiser,
        meeting=meeting,
        data=GuestData(
            name="陈立平", organisation="海珠区人民法院立案庭", email="chen.liping@court.example.cn"
        ),
    )
    bureau_case = Case.objects.filter(agency__code="bureau").order_by("id").first()
    report = agenda_item_add(
        actor=organiser, meeting=meeting, title="第三季度劳动争议和欠薪线索通报"
    )
    case_item = agenda_item_add(
        actor=organiser, meeting=meeting, title="鑫达服装厂欠薪线索办理情况", case=bureau_case
    )
    meeting = _move_into_the_past(
        _fix(organiser, meeting, _next_weekday(1, 2), (9, 30), (11, 30)), 14
    )
    attended = {
        users[name].pk for name in ("bureau.admin", "bureau.inspector", "arb.admin", "proc.admin")
    }
    minutes_save(
        actor=organiser,
        meeting=meeting,
        data=MinutesData(
            summary="三方通报了本季度案件办理情况，就建筑领域欠薪问题形成共识。",
            resolutions="一、人社局牵头核查鑫达服装厂欠薪线索，涉嫌拒不支付劳动报酬罪的及时移送。\n"
            "二、仲裁委梳理本季度集体争议案件，向检察院通报疑似虚假仲裁线索。",
            discussions={
                report.pk: "人社局通报监察案件办理情况；仲裁委通报受理和调解情况。",
                case_item.pk: "与会各方认为该厂负责人失联，应尽快固定证据。",
            },
            attended_users=attended,
            action_items=[
                ActionItemData(
                    description="核查鑫达服装厂欠薪线索并书面反馈",
                    owner_agency=agencies["bureau"],
                    owner_user=users["bureau.inspector"],
                    due_on=timezone.localdate() - datetime.timedelta(days=3),
                ),
                ActionItemData(
                    description="梳理本季度集体争议案件中的疑似虚假仲裁线索",
                    owner_agency=agencies["arbitration"],
                    due_on=timezone.localdate() + datetime.timedelta(days=20),
                ),
            ],
        ),
    )
    minutes_approve(actor=organiser, meeting=meeting)


def _consultation(users: dict[str, User], rooms: dict[str, Room]) -> None:
    """An open poll: two times proposed, one participant has answered."""
    organiser = users["proc.admin"]
    meeting = meeting_create(
        actor=organiser,
        data=MeetingData(
            kind=MeetingKind.MAJOR_CASE_CONSULTATION,
            title=CONSULTATION,
            description="研究鸿运建筑劳务公司欠薪案是否涉嫌虚假仲裁及支持起诉事宜。",
            room=rooms["检察院五楼会议室"],
        ),
        participants=[users["bureau.admin"], users["arb.admin"], users["proc.liaison"]],
    )
    agenda_item_add(actor=organiser, meeting=meeting, title="案情介绍", notes="仲裁委介绍案情")
    agenda_item_add(actor=organiser, meeting=meeting, title="是否支持起诉的意见")
    first = slot_propose(
        actor=organiser,
        meeting=meeting,
        starts_at=_at(_next_weekday(1), 9, 30),
        ends_at=_at(_next_weekday(1), 11),
    )
    second = slot_propose(
        actor=organiser,
        meeting=meeting,
        starts_at=_at(_next_weekday(3), 14, 30),
        ends_at=_at(_next_weekday(3), 16),
    )
    slot_vote(
        actor=users["bureau.admin"], meeting=meeting, answers={first.pk: "yes", second.pk: "maybe"}
    )


def _supervision(users: dict[str, User], rooms: dict[str, Room]) -> None:
    organiser = users["bureau.inspector"]
    meeting = meeting_create(
        actor=organiser,
        data=MeetingData(
            kind=MeetingKind.JOINT_SUPERVISION,
            title=SUPERVISION,
            description="在人社局联席会议室集合后赴康乐村服装加工片区实地督查工资支付情况。",
            room=rooms["人社局三楼联席会议室"],
        ),
        participants=[users["arb.mediator"], users["proc.liaison"]],
    )
    meeting = _fix(organiser, meeting, _next_weekday(2), (9, 0), (11, 30))
    participant_rsvp(actor=users["proc.liaison"], meeting=meeting, answer="accepted")


def _liaison_call(users: dict[str, User]) -> None:
    organiser = users["proc.liaison"]
    meeting = meeting_create(
        actor=organiser,
        data=MeetingData(
            kind=MeetingKind.LIAISON_CALL,
            title=LIAISON_CALL,
            description="交流近期集体争议案件中的疑似虚假仲裁线索。",
            video_link="https://meeting.haizhu.example.gov.cn/j/2026118",
        ),
        participants=[users["arb.arbitrator"]],
    )
    _fix(organiser, meeting, _next_weekday(4), (15, 0), (15, 30))
