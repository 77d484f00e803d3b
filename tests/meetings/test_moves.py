"""Every move of the meetings' tables (portal.meetings.permissions), walked from one table of
cases: the happy path and its audit row, the wrong role, the wrong state, a stale page."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models

from portal.core.audit import audit_history
from portal.core.errors import ApplicationError
from portal.core.transitions import TABLES, MoveTable
from portal.meetings.models import ActionItem, Meeting
from portal.meetings.permissions import (
    ACTION_ITEM_MOVES,
    MINUTES_MOVES,
    MOVES,
    STALE,
    ActionItemMove,
    Move,
)
from portal.meetings.services import (
    ActionItemData,
    MeetingData,
    MinutesData,
    action_item_complete,
    meeting_cancel,
    meeting_fix_slot,
    meeting_update,
    minutes_approve,
    minutes_save,
)

from ..factories import agency
from .builders import held, make_meeting, next_weekday, propose, scheduled

pytestmark = pytest.mark.django_db

ORGANISER = "procuratorate_admin"
INVITED = "bureau_admin"  # a participant of another agency: organises nothing


def planning(people: dict[str, Any]) -> Meeting:
    meeting = make_meeting(people[ORGANISER], [people[INVITED]])
    propose(people[ORGANISER], meeting, next_weekday(1), "09:30", "11:00")
    return Meeting.objects.get(pk=meeting.pk)


def fixed(people: dict[str, Any]) -> Meeting:
    return scheduled(people[ORGANISER], [people[INVITED]])


def cancelled(people: dict[str, Any]) -> Meeting:
    meeting = planning(people)
    meeting_cancel(actor=people[ORGANISER], meeting=meeting)
    return Meeting.objects.get(pk=meeting.pk)


_DAYS_AGO = itertools.count(1)


def minuted(people: dict[str, Any]) -> Meeting:
    """Held, with draft minutes that give the bureau an action item."""
    # each held meeting on a day of its own: one room cannot hold two at once (PostgreSQL's
    # exclusion constraint), and a test may build two
    meeting = held(fixed(people), days_ago=next(_DAYS_AGO))
    item = ActionItemData("核查欠薪线索", owner_agency=agency("bureau"), due_on=next_weekday(4))
    minutes_save(actor=people[ORGANISER], meeting=meeting, data=MinutesData(action_items=[item]))
    return Meeting.objects.get(pk=meeting.pk)


def open_item(people: dict[str, Any]) -> ActionItem:
    meeting = minuted(people)
    minutes_approve(actor=people[ORGANISER], meeting=meeting)
    return ActionItem.objects.get(meeting=meeting)  # not through `meeting`: it is not closed


def done_item(people: dict[str, Any]) -> ActionItem:
    item = open_item(people)
    action_item_complete(actor=people[INVITED], item=item)
    return ActionItem.objects.get(pk=item.pk)


def _update(actor: Any, meeting: Meeting, version: int | None) -> object:
    data = MeetingData(kind=meeting.kind, title="改期后的联席会议", room=meeting.room)
    return meeting_update(actor=actor, meeting=meeting, data=data, expected_version=version)


def _fix(actor: Any, meeting: Meeting, version: int | None) -> object:
    slot = meeting.slots.get()
    return meeting_fix_slot(actor=actor, meeting=meeting, slot=slot, expected_version=version)


@dataclass(frozen=True)
class Case:
    table: MoveTable[Any]
    move: str
    make: Callable[[Any, Any, int | None], object]  # (actor, object, the page's version)
    ready: Callable[[dict[str, Any]], models.Model]  # an object the move starts from
    before: str
    after: str
    actor: str  # who may
    wrong_actor: str  # who may not
    wrong_state: Callable[[dict[str, Any]], models.Model]  # an object the move cannot start from
    wrong_state_says: str


MOVE_CASES = [
    Case(MOVES, Move.UPDATE, _update, planning, "planning", "planning",
         ORGANISER, INVITED, cancelled, "The meeting was cancelled"),
    Case(MOVES, Move.FIX, _fix, planning, "planning", "scheduled",
         ORGANISER, INVITED, fixed, "The time is already fixed"),
    Case(MOVES, Move.CANCEL,
         lambda actor, m, v: meeting_cancel(actor=actor, meeting=m, expected_version=v),
         planning, "planning", "cancelled", ORGANISER, INVITED, cancelled, "was cancelled"),
    Case(MOVES, Move.MINUTES_APPROVE,
         lambda actor, m, v: minutes_approve(actor=actor, meeting=m, expected_version=v),
         minuted, "scheduled", "closed", ORGANISER, INVITED, planning,
         "Minutes can be written once the time is fixed"),
    Case(ACTION_ITEM_MOVES, ActionItemMove.COMPLETE,
         lambda actor, i, v: action_item_complete(actor=actor, item=i, expected_version=v),
         open_item, "open", "done", INVITED, ORGANISER, done_item, "already done"),
]  # fmt: skip


def case_id(case: Case) -> str:
    return f"{case.table.audit_prefix}.{case.move}"


@pytest.fixture
def people(procuratorate_admin, bureau_admin) -> dict[str, Any]:
    return {ORGANISER: procuratorate_admin, INVITED: bureau_admin}


def fresh(obj: models.Model) -> Any:
    return type(obj)._default_manager.get(pk=obj.pk)


def recorded(case: Case, obj: models.Model) -> list[Any]:
    return list(audit_history(obj).filter(action=case_id(case)))


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_the_move_is_made_and_recorded_with_the_state_before_and_after(case, people):
    obj = case.ready(people)
    case.make(people[case.actor], obj, obj.version)
    assert fresh(obj).status == case.after
    (event,) = recorded(case, obj)
    assert (event.actor, event.status_before, event.status_after) == (
        people[case.actor],
        case.before,
        case.after,
    )


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_the_move_raises_the_version(case, people):
    obj = case.ready(people)
    case.make(people[case.actor], obj, obj.version)
    assert fresh(obj).version == obj.version + 1


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_someone_without_the_role_is_refused_and_nothing_changes(case, people):
    obj = case.ready(people)
    with pytest.raises(ApplicationError, match=r"^Only "):
        case.make(people[case.wrong_actor], obj, obj.version)
    assert (fresh(obj).status, fresh(obj).version) == (case.before, obj.version)
    assert recorded(case, obj) == []


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_the_move_is_refused_in_a_state_it_does_not_start_from(case, people):
    obj = case.wrong_state(people)
    before = recorded(case, obj)
    with pytest.raises(ApplicationError, match=case.wrong_state_says):
        case.make(people[case.actor], obj, obj.version)
    assert recorded(case, obj) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_a_stale_page_is_refused_and_nothing_changes(case, people):
    obj = case.ready(people)
    with pytest.raises(ApplicationError) as refused:
        case.make(people[case.actor], obj, obj.version - 1)
    assert refused.value.message == str(STALE)
    assert (fresh(obj).status, fresh(obj).version) == (case.before, obj.version)


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_the_move_is_offered_to_whoever_may_make_it_and_to_nobody_else(case, people):
    obj = case.ready(people)
    assert case.move in case.table.available(people[case.actor], obj)
    assert case.move not in case.table.available(people[case.wrong_actor], obj)
    assert case.move not in case.table.available(people[case.actor], case.wrong_state(people))


def test_approving_the_minutes_records_their_own_move_too(people):
    meeting = minuted(people)
    minutes_approve(actor=people[ORGANISER], meeting=meeting)
    (event,) = audit_history(meeting.minutes).filter(action="minutes.approve")
    assert (event.status_before, event.status_after) == ("draft", "approved")


def test_every_move_of_the_meetings_tables_has_a_case():
    tables = [t for t in TABLES.values() if t.model._meta.app_label == "meetings"]
    assert {t.audit_prefix for t in tables} == {"meeting", "minutes", "action_item"}
    assert MINUTES_MOVES in tables
    made_by_people = {
        (table.audit_prefix, move)
        for table in tables
        for move, rule in table.moves.items()
        if not rule.is_internal
    }
    assert {(case.table.audit_prefix, case.move) for case in MOVE_CASES} == made_by_people
