"""The moves other flows make on a case: a mediation taking it on, failing, and settling it. The other flow's
service has checked its own role rule; these check the move (portal.cases.permissions.MOVES,
internal rules) and record it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.core.deadlines import deadline_meet, deadline_start, deadlines_of
from portal.core.models import User

from ..models import Case
from ..permissions import MOVES, Move
from .register import ACCEPTANCE_POLICY

AWARD_POLICY = "arbitration.award"


@transaction.atomic
def case_mediation_start(*, actor: User | None, case: Case, note: str = "") -> Case:
    """A mediation took the case on (portal.mediation checks who may open it)."""
    case = MOVES.begin(actor, case, Move.MEDIATION_START)
    MOVES.finish(actor, case, Move.MEDIATION_START, note=note)
    return case


@transaction.atomic
def case_mediation_fail(*, actor: User | None, case: Case, reason: str) -> Case:
    """Mediation failed (portal.mediation checks who may say so): a case accepted before goes
    on to arbitration; one routed to mediation at intake returns to the intake queue as
    filed, with everything it holds and a fresh acceptance clock (art. 29's five days)."""
    case = MOVES.begin(actor, case, Move.MEDIATION_FAIL)
    # Accepted before mediating: the award clock started at acceptance (case_accept).
    accepted_before = deadlines_of(case).filter(policy__key=AWARD_POLICY).exists()
    if accepted_before:
        MOVES.finish(actor, case, Move.MEDIATION_FAIL_TO_ARBITRATION, note=reason)
    else:
        MOVES.finish(actor, case, Move.MEDIATION_FAIL, note=reason)
        deadline_start(policy_key=ACCEPTANCE_POLICY, subject=case, start=timezone.now())
    return case


@transaction.atomic
def case_mediation_return(*, actor: User | None, case: Case, reason: str) -> Case:
    """A mediation given up before it started (portal.mediation checks who may): the case
    returns to the intake queue with a fresh acceptance clock, nothing retyped."""
    case = MOVES.begin(actor, case, Move.MEDIATION_RETURN)
    MOVES.finish(actor, case, Move.MEDIATION_RETURN, note=reason)
    deadline_start(policy_key=ACCEPTANCE_POLICY, subject=case, start=timezone.now())
    return case


@transaction.atomic
def case_close(*, actor: User | None, case: Case, note: str = "") -> Case:
    """Another flow ended the case (a mediation settled and performed; portal.mediation
    checks who may): the case is closed and its award period, if any, is met."""
    case = MOVES.begin(actor, case, Move.CLOSE)
    MOVES.finish(actor, case, Move.CLOSE, note=note)
    deadline_meet(policy_key=AWARD_POLICY, subject=case)
    return case


@transaction.atomic
def case_mediation_settle(*, actor: User | None, case: Case, note: str = "") -> Case:
    """The mediation's agreement was confirmed (调解书 or 司法确认): the dispute is settled and
    the case closed; its payments are followed on the mediation (portal.mediation checks who
    confirmed)."""
    case = MOVES.begin(actor, case, Move.MEDIATION_SETTLE)
    MOVES.finish(actor, case, Move.MEDIATION_SETTLE, note=note)
    return case
