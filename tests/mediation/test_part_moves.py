"""The moves of a mediation's parts, a session and an instalment, walked table by table: each
writes its row into the mediation's history and refuses the wrong role and the wrong state."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.core.audit import audit_history
from portal.core.errors import ApplicationError
from portal.mediation.models import InstalmentStatus, SessionStatus
from portal.mediation.permissions import (
    INSTALMENT_MOVES,
    SESSION_MOVES,
    InstalmentMove,
    SessionMove,
)
from portal.mediation.services import (
    instalment_record_payment,
    instalments_missed_sweep,
    mediation_session_record,
    mediation_session_schedule,
)

pytestmark = pytest.mark.django_db


def _session(mediating, mediator):
    return mediation_session_schedule(
        actor=mediator,
        mediation=mediating,
        scheduled_for=timezone.now() + datetime.timedelta(days=1),
        place="调解室一",
    )


def _record(session, actor):
    return mediation_session_record(
        actor=actor, session=session, attendees="双方", summary="双方陈述意见。"
    )


def _pay(instalment, actor):
    return instalment_record_payment(
        actor=actor, instalment=instalment, paid_on=timezone.localdate(), amount=Decimal("100")
    )


@dataclass(frozen=True)
class MoveCase:
    move: str
    source: str
    target: str


MOVE_CASES = [
    MoveCase(SessionMove.RECORD, SessionStatus.SCHEDULED, SessionStatus.HELD),
    MoveCase(InstalmentMove.PAY, InstalmentStatus.DUE, InstalmentStatus.PAID),
]


def test_every_move_a_person_makes_on_a_part_has_its_case():
    people = {
        move
        for table in (SESSION_MOVES, INSTALMENT_MOVES)
        for move, rule in table.moves.items()
        if not rule.is_internal
    }
    assert {case.move for case in MOVE_CASES} == people


def test_recording_a_session_writes_it_into_the_mediations_history(mediating, arbitration_mediator):
    session = _record(_session(mediating, arbitration_mediator), arbitration_mediator)
    event = audit_history(mediating).filter(action="mediation.session_record").get()
    assert (event.status_before, event.status_after) == (SessionStatus.SCHEDULED, session.status)
    assert session.status == SessionStatus.HELD


def test_a_session_is_recorded_by_its_mediator_only_and_only_once(
    mediating, arbitration_mediator, bureau_mediator
):
    session = _session(mediating, arbitration_mediator)
    with pytest.raises(ApplicationError):
        _record(session, bureau_mediator)
    _record(session, arbitration_mediator)
    with pytest.raises(ApplicationError, match=r"recorded already|已记录"):
        _record(session, arbitration_mediator)
    assert audit_history(mediating).filter(action="mediation.session_record").count() == 1


def test_paying_an_instalment_writes_it_into_the_mediations_history(frozen, arbitration_mediator):
    paid = _pay(frozen.instalments.first(), arbitration_mediator)
    event = audit_history(frozen.mediation).filter(action="mediation.instalment_paid").get()
    assert (event.status_before, event.status_after) == (InstalmentStatus.DUE, paid.status)


def test_an_instalment_is_paid_by_the_mediator_only_and_only_once(
    frozen, arbitration_mediator, arbitrator
):
    first = frozen.instalments.first()
    with pytest.raises(ApplicationError):
        _pay(first, arbitrator)
    _pay(first, arbitration_mediator)
    with pytest.raises(ApplicationError):
        _pay(first, arbitration_mediator)
    assert audit_history(frozen.mediation).filter(action="mediation.instalment_paid").count() == 1


def test_the_sweep_marks_a_late_instalment_missed_once_and_a_late_payment_still_counts(
    frozen, arbitration_mediator
):
    first = frozen.instalments.first()
    late = first.due_on + datetime.timedelta(days=1)
    assert instalments_missed_sweep(today=late) >= 1
    assert instalments_missed_sweep(today=late) == 0
    first.refresh_from_db()
    assert first.status == InstalmentStatus.MISSED
    event = audit_history(frozen.mediation).filter(action="mediation.instalment_missed").first()
    assert (event.status_before, event.status_after, event.actor) == (
        InstalmentStatus.DUE,
        InstalmentStatus.MISSED,
        None,
    )
    assert _pay(first, arbitration_mediator).status == InstalmentStatus.PAID
