"""Reads on meetings. Lists filter with guardian in the database; pages get what they show,
prefetched, and flags instead of permission logic in templates."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from portal.cases.models import Case
from portal.cases.permissions import CasePerm, cases_visible_to
from portal.core.audit import audit_history
from portal.core.deadlines import WorkingCalendar
from portal.core.documents import documents_of
from portal.core.models import AuditEvent, Document, User
from portal.referrals.permissions import referrals_visible_to

from .models import (
    BOOKED_STATUSES,
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    CaseShare,
    Meeting,
    MeetingSlot,
    MeetingStatus,
    Minutes,
    Participant,
    SlotVote,
    VoteAnswer,
)
from .permissions import meetings_visible_to
from .timing import (
    Conflict,
    SlotFlags,
    day_bounds,
    month_of,
    participant_conflicts,
    room_bookings,
    slot_flags,
    week_of,
)

# --- lists -------------------------------------------------------------------------------------


@dataclass
class MyMeetings:
    polls: list[Meeting]  # finding a time; `awaiting_vote` set on each
    upcoming: list[Meeting]
    past: list[Meeting]
    cancelled: list[Meeting]


def my_meetings(user: User, *, limit: int = 50) -> MyMeetings:
    """The meetings the user takes part in, in four queries."""
    now = timezone.now()
    mine = (
        meetings_visible_to(user)
        .filter(participants__user=user)
        .select_related("organiser_agency", "room")
    )
    polls = list(mine.filter(status=MeetingStatus.PLANNING).order_by("-created_at")[:limit])
    voted = set(
        SlotVote.objects.filter(user=user, slot__meeting__in=[m.pk for m in polls]).values_list(
            "slot__meeting_id", flat=True
        )
    )
    for meeting in polls:
        meeting.awaiting_vote = meeting.pk not in voted  # type: ignore[attr-defined]
    scheduled = list(
        mine.filter(status__in=BOOKED_STATUSES)
        .filter(Q(ends_at__gt=now - datetime.timedelta(days=90)))
        .order_by("starts_at")[: limit * 2]
    )
    return MyMeetings(
        polls=polls,
        upcoming=[m for m in scheduled if m.ends_at and m.ends_at > now][:limit],
        past=sorted(
            (m for m in scheduled if m.ends_at and m.ends_at <= now),
            key=lambda m: m.starts_at or now,
            reverse=True,
        )[:limit],
        cancelled=list(mine.filter(status=MeetingStatus.CANCELLED).order_by("-cancelled_at")[:10]),
    )


@dataclass
class CalendarDay:
    date: datetime.date
    working: bool
    in_month: bool
    today: bool
    meetings: list[Meeting] = field(default_factory=list)


def calendar_for(user: User, *, day: datetime.date, view: str) -> list[list[CalendarDay]]:
    """Weeks of days (one week, or the weeks of a month) with the scheduled meetings the user
    sees; two queries whatever the number of meetings."""
    weeks = [week_of(day)] if view == "week" else month_of(day)
    start, end = day_bounds(weeks[0][0], weeks[-1][-1])
    meetings = list(
        meetings_visible_to(user)
        .filter(status__in=BOOKED_STATUSES, starts_at__lt=end, ends_at__gt=start)
        .select_related("organiser_agency", "room")
        .order_by("starts_at", "id")
    )
    working_calendar = WorkingCalendar()
    today = timezone.localdate()
    grid = []
    for week in weeks:
        row = []
        for date in week:
            cell = CalendarDay(
                date=date,
                working=working_calendar.is_working_day(date),
                in_month=date.month == day.month,
                today=date == today,
            )
            day_start, day_end = day_bounds(date, date)
            cell.meetings = [
                m
                for m in meetings
                if m.starts_at < day_end and m.ends_at > day_start  # type: ignore[operator]
            ]
            row.append(cell)
        grid.append(row)
    return grid


def calendar_steps(day: datetime.date, view: str) -> dict[str, datetime.date]:
    """The day to show for 'previous' and 'next' (a week or a month away) and for 'today'."""
    if view == "week":
        step = datetime.timedelta(days=7)
        return {"previous": day - step, "next": day + step, "today": timezone.localdate()}
    first = day.replace(day=1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return {"previous": previous, "next": following, "today": timezone.localdate()}


# --- the meeting page ----------------------------------------------------------------------------


@dataclass
class AgendaRow:
    item: AgendaItem
    has_case: bool  # a case is linked (perhaps one the viewer cannot see)
    case_visible: bool  # the viewer may open the linked case
    shared: bool  # the case is shared for this meeting
    has_referral: bool
    referral_visible: bool
    can_share: bool = False


def agenda_for(meeting: Meeting, user: User) -> list[AgendaRow]:
    """The agenda as this user may read it: a linked case or referral the user cannot see is
    taken off the item (only its title shows). At most four queries."""
    items = list(meeting.agenda_items.select_related("case", "referral"))
    case_ids = {item.case_id for item in items if item.case_id}
    referral_ids = {item.referral_id for item in items if item.referral_id}
    visible_cases: set[int] = set()
    shared: set[int] = set()
    visible_referrals: set[int] = set()
    if case_ids:
        visible_cases = set(
            cases_visible_to(user, CasePerm.VIEW)
            .filter(pk__in=case_ids)
            .values_list("pk", flat=True)
        )
        shared = set(
            CaseShare.objects.filter(meeting=meeting, revoked_at__isnull=True).values_list(
                "case_id", flat=True
            )
        )
    if referral_ids:
        visible_referrals = set(
            referrals_visible_to(user).filter(pk__in=referral_ids).values_list("pk", flat=True)
        )
    rows = []
    for item in items:
        row = AgendaRow(
            item=item,
            has_case=item.case_id is not None,
            case_visible=item.case_id in visible_cases,
            shared=item.case_id in shared,
            has_referral=item.referral_id is not None,
            referral_visible=item.referral_id in visible_referrals,
        )
        # The template cannot show what it does not have.
        if item.case_id and not row.case_visible:
            item.case = None
        if item.referral_id and not row.referral_visible:
            item.referral = None
        rows.append(row)
    return rows


@dataclass
class SlotRow:
    slot: MeetingSlot
    flags: SlotFlags
    conflicts: list[Conflict]
    room_taken: bool
    counts: dict[str, int]
    voters: dict[str, list[str]]
    my_answer: str | None
    voter_ids: frozenset[int] = frozenset()


def poll_for(meeting: Meeting, user: User) -> list[SlotRow]:
    """Each proposed time with its flags (rest day, outside office hours), the participants'
    other meetings then, whether the room is taken, and the votes."""
    slots = list(
        meeting.slots.prefetch_related(
            Prefetch("votes", queryset=SlotVote.objects.select_related("user").order_by("user_id"))
        )
    )
    working_calendar = WorkingCalendar()
    conflicts = participant_conflicts(
        meeting, [(slot.pk, slot.starts_at, slot.ends_at) for slot in slots]
    )
    bookings: list[Meeting] = []
    if meeting.room is not None and slots:
        bookings = list(
            room_bookings(
                meeting.room, slots[0].starts_at, max(s.ends_at for s in slots), exclude=meeting
            )
        )
    rows = []
    for slot in slots:
        votes = list(slot.votes.all())
        counts = Counter(vote.answer for vote in votes)
        rows.append(
            SlotRow(
                slot=slot,
                flags=slot_flags(slot.starts_at, slot.ends_at, working_calendar),
                conflicts=conflicts.get(slot.pk, []),
                room_taken=any(
                    b.starts_at < slot.ends_at and b.ends_at > slot.starts_at  # type: ignore[operator]
                    for b in bookings
                ),
                counts={answer: counts.get(answer, 0) for answer in VoteAnswer.values},
                voters={
                    answer: [str(v.user) for v in votes if v.answer == answer]
                    for answer in VoteAnswer.values
                },
                my_answer=next((v.answer for v in votes if v.user_id == user.pk), None),
                voter_ids=frozenset(v.user_id for v in votes),
            )
        )
    return rows


def poll_best(rows: list[SlotRow]) -> MeetingSlot | None:
    """The time the organiser is offered first: most yes, then most maybe, then fewest no, then
    free of flags, conflicts and room bookings, then the earliest."""

    def score(row: SlotRow) -> tuple[int, int, int, int, datetime.datetime]:
        troubles = int(row.flags.rest_day or row.flags.outside_hours or row.room_taken)
        troubles += len(row.conflicts)
        return (
            -row.counts.get("yes", 0),
            -row.counts.get("maybe", 0),
            row.counts.get("no", 0),
            troubles,
            row.slot.starts_at,  # type: ignore[return-value]
        )

    return min(rows, key=score).slot if rows else None


def poll_not_answered(rows: list[SlotRow], participants: list[Participant]) -> list[str]:
    """The participants who have answered for none of the proposed times, by name."""
    answered = {pk for row in rows for pk in row.voter_ids}
    return [str(p.user) for p in participants if p.user_id and p.user_id not in answered]


def participants_of(meeting: Meeting) -> list[Participant]:
    return list(meeting.participants.select_related("user", "agency"))


def minutes_of(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).select_related("approved_by").first()


def action_items_of(meeting: Meeting) -> list[ActionItem]:
    return list(
        meeting.action_items.select_related(
            "owner_agency", "owner_user", "deadline", "completed_by"
        )
    )


def meeting_history(meeting: Meeting) -> QuerySet[AuditEvent]:
    """The meeting's events and its action items' (each item's moves are recorded on it)."""
    items = [str(pk) for pk in meeting.action_items.values_list("pk", flat=True)]
    of_items = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(ActionItem), object_id__in=items
    )
    return (audit_history(meeting) | of_items).select_related("actor", "agency")


def meeting_documents(meeting: Meeting) -> QuerySet[Document]:
    return documents_of(meeting)


def participant_candidates(meeting: Meeting | None = None) -> QuerySet[User]:
    """Active staff of the portal agencies (not yet invited to `meeting`)."""
    users = (
        User.objects.filter(
            is_active=True, membership__active=True, membership__agency__kind="member"
        )
        .select_related("membership__agency")
        .order_by("membership__agency__sort_order", "username")
    )
    if meeting is not None:
        users = users.exclude(meeting_participations__meeting=meeting)
    return users


def case_by_number(user: User, number: str) -> Case | None:
    """A case the user can see, by its number (for linking it on an agenda)."""
    return cases_visible_to(user, CasePerm.VIEW).filter(number=number.strip()).first()


# --- the work list -------------------------------------------------------------------------------


def action_items_for_agency(user: User, *, limit: int = 20) -> list[ActionItem]:
    """Open action items of approved minutes owned by the user's agency, soonest first."""
    agency = user.agency if user.is_authenticated else None
    if agency is None:
        return []
    return list(
        ActionItem.objects.filter(
            owner_agency=agency,
            status=ActionItemStatus.OPEN,
            meeting__status=MeetingStatus.CLOSED,
        )
        .select_related("meeting", "owner_user", "deadline")
        .order_by("due_on", "id")[:limit]
    )


def dashboard_sections(user: User) -> dict[str, Any]:
    """What the work list shows of meetings (called by portal.core.selectors.dashboard_for)."""
    return {"meeting_action_items": action_items_for_agency(user)}
