"""The move table of mediations, walked move by move: each goes to its target and writes its
audit row; each is refused to a wrong role, from a wrong state and from a stale page, and a
refused move leaves everything as it was."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from portal.cases.services.intake import case_route_to_mediation
from portal.core.audit import audit_history
from portal.core.documents import document_render
from portal.core.errors import ApplicationError
from portal.core.models import Role, User
from portal.mediation.models import TRANSITIONS, Agreement, Mediation
from portal.mediation.models import MediationStatus as S
from portal.mediation.permissions import MOVES, Move, available_moves
from portal.mediation.services import (
    agreement_arbitration_confirm,
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_court_apply,
    agreement_court_decision,
    agreement_draft,
    employer_link_issue,
    mediation_agree,
    mediation_assign,
    mediation_conflict_declare,
    mediation_fail,
    mediation_open,
)
from tests.helpers import refused_unchanged

from ..factories import make_case, member
from .builders import terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(arbitration_admin, arbitration_mediator, arbitrator) -> dict[str, User]:
    return {
        "arbitration_admin": arbitration_admin,
        "arbitration_mediator": arbitration_mediator,
        "arbitrator": arbitrator,
        "other_mediator": member("arb.mediator2", "arbitration", Role.MEDIATOR),
    }


# A mediation in each state it can be driven to; "agreed" is frozen (both parties confirmed
# the rendered text), as confirmation by an authority needs.
def mediation_at(people: dict[str, User], state: str) -> Mediation:
    arbitrator, admin = people["arbitrator"], people["arbitration_admin"]
    mediator = people["arbitration_mediator"]
    case = make_case(agency_code="arbitration", actor=arbitrator)
    case_route_to_mediation(actor=arbitrator, case=case, claimant_consented=True)
    mediation = mediation_open(actor=arbitrator, case=case)
    if state == S.UNASSIGNED:
        return mediation
    mediation_assign(actor=admin, mediation=mediation, mediator=mediator)
    agreement_draft(actor=mediator, mediation=mediation, data=terms())
    if state == S.MEDIATING:
        return _fresh(mediation)
    mediation_agree(actor=mediator, mediation=mediation)
    agreement = Agreement.objects.get(mediation=mediation)
    assert agreement.document is not None
    document = document_render(document_id=agreement.document.pk)
    assert document is not None
    agreement_confirm_claimant(case=case, shown_sha256=document.sha256)
    _link, token = employer_link_issue(actor=mediator, mediation=mediation)
    agreement_confirm_employer(
        token=token,
        representative="李经理",
        credit_code=case.employer.credit_code,
        shown_sha256=document.sha256,
    )
    if state == S.AGREED:
        return _fresh(mediation)
    agreement_court_apply(actor=mediator, mediation=mediation, court_name="广州市海珠区人民法院")
    assert state == S.COURT_APPLIED
    return _fresh(mediation)


def _fresh(mediation: Mediation) -> Mediation:
    return Mediation.objects.select_related("case", "agency", "mediator").get(pk=mediation.pk)


@dataclass(frozen=True)
class MoveCase:
    """A move tried on a mediation in `source` by `actor`; `wrong_role` may not make it,
    `wrong_state` is a state it does not start from."""

    move: Move
    source: str
    actor: str
    wrong_role: str
    wrong_state: str
    kwargs: dict = field(default_factory=dict)


COURT_DECISION = {
    "decided_on": datetime.date(2026, 1, 5),
    "enforceable_number": "（2026）粤0105民特1号",
}

MOVE_CASES = [
    MoveCase(Move.ASSIGN, S.UNASSIGNED, "arbitration_admin", "arbitration_mediator", S.AGREED),
    MoveCase(Move.REASSIGN, S.MEDIATING, "arbitration_admin", "arbitrator", S.AGREED),
    MoveCase(Move.UNASSIGN, S.MEDIATING, "arbitration_mediator", "arbitrator", S.AGREED),
    MoveCase(Move.AGREE, S.MEDIATING, "arbitration_mediator", "arbitrator", S.AGREED),
    MoveCase(
        Move.FAIL,
        S.MEDIATING,
        "arbitration_mediator",
        "arbitrator",
        S.AGREED,
        {"reason": "被申请人拒绝调解。"},
    ),
    MoveCase(
        Move.ARBITRATION_CONFIRM, S.AGREED, "arbitrator", "arbitration_mediator", S.COURT_APPLIED
    ),
    MoveCase(
        Move.COURT_APPLY,
        S.AGREED,
        "arbitration_mediator",
        "arbitrator",
        S.COURT_APPLIED,
        {"court_name": "广州市海珠区人民法院"},
    ),
    MoveCase(
        Move.COURT_CONFIRM,
        S.COURT_APPLIED,
        "arbitration_mediator",
        "arbitrator",
        S.AGREED,
        {"confirmed": True, **COURT_DECISION},
    ),
    MoveCase(
        Move.COURT_REJECT,
        S.COURT_APPLIED,
        "arbitration_mediator",
        "arbitrator",
        S.AGREED,
        {"confirmed": False, **COURT_DECISION},
    ),
]


def make(
    case: MoveCase,
    people: dict[str, User],
    mediation: Mediation,
    actor: User,
    expected_version: int | None = None,
) -> object:
    version = mediation.version if expected_version is None else expected_version
    common = {"actor": actor, "mediation": mediation, "expected_version": version, **case.kwargs}
    if case.move == Move.ASSIGN:
        return mediation_assign(mediator=people["arbitration_mediator"], **common)
    if case.move == Move.REASSIGN:
        return mediation_assign(mediator=people["other_mediator"], **common)
    if case.move == Move.UNASSIGN:
        # the mediator taken off is the one mediating: declared by them, or refused to others
        assert mediation.mediator is not None
        return mediation_conflict_declare(mediator=mediation.mediator, reason="表兄", **common)
    service = {
        Move.AGREE: mediation_agree,
        Move.FAIL: mediation_fail,
        Move.ARBITRATION_CONFIRM: agreement_arbitration_confirm,
        Move.COURT_APPLY: agreement_court_apply,
        Move.COURT_CONFIRM: agreement_court_decision,
        Move.COURT_REJECT: agreement_court_decision,
    }[case.move]
    return service(**common)


def snapshot(mediation: Mediation) -> tuple:
    """What a refused move must leave as it was."""
    fresh = Mediation.objects.get(pk=mediation.pk)
    return (
        fresh.status,
        fresh.version,
        fresh.mediator_id,
        audit_history(fresh).count(),
        fresh.conflicts.count(),
    )


def case_id(case: MoveCase) -> str:
    return case.move.value


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_goes_to_its_target_status_and_writes_its_audit_row(people, case):
    mediation = mediation_at(people, case.source)
    version = mediation.version
    assert case.move in available_moves(people[case.actor], mediation)
    make(case, people, mediation, people[case.actor])
    mediation.refresh_from_db()
    target = MOVES[case.move].target or case.source
    assert mediation.status == target
    assert mediation.version == version + 1
    event = audit_history(mediation).filter(action=f"mediation.{case.move.value}").get()
    assert (event.status_before, event.status_after) == (case.source, target)
    assert event.actor == people[case.actor]


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_to_a_wrong_role(people, case):
    mediation = mediation_at(people, case.source)
    assert case.move not in available_moves(people[case.wrong_role], mediation)
    refused_unchanged(
        lambda: make(case, people, mediation, people[case.wrong_role]),
        says=re.escape(str(MOVES[case.move].refusal)),
        state=lambda: snapshot(mediation),
    )


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_from_a_wrong_state(people, case):
    mediation = mediation_at(people, case.wrong_state)
    told = str(MOVES.wrong_state) % {"status": mediation.get_status_display()}
    refused_unchanged(
        lambda: make(case, people, mediation, people[case.actor]),
        says=re.escape(told),
        state=lambda: snapshot(mediation),
    )


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_from_a_stale_page_is_refused(people, case):
    mediation = mediation_at(people, case.source)
    refused_unchanged(
        lambda: make(
            case, people, mediation, people[case.actor], expected_version=mediation.version - 1
        ),
        says=re.escape(str(MOVES.stale)),
        state=lambda: snapshot(mediation),
    )


def test_every_move_is_tested_and_is_one_edge_of_the_transitions():
    edges = set()
    for rule in MOVES.moves.values():
        for source in rule.sources:
            if rule.target is not None:  # a move that records keeps the state
                assert rule.target in TRANSITIONS[source]
                edges.add((source, rule.target))
    assert edges == {(s, t) for s, targets in TRANSITIONS.items() for t in targets}
    tested = {c.move for c in MOVE_CASES}
    assert tested == {move for move, rule in MOVES.moves.items() if not rule.is_internal}


def test_a_stale_page_is_refused_on_the_page_next_to_its_form(client, people):
    from django.urls import reverse

    from ..helpers import refusals

    mediation = mediation_at(people, S.MEDIATING)
    client.force_login(people["arbitration_mediator"])
    response = client.post(
        reverse("mediation:fail", kwargs={"pk": mediation.case_id}),
        {"reason": "被申请人拒绝调解。", "version": mediation.version - 1},
    )
    assert response.status_code == 200
    assert str(MOVES.stale) in refusals(response)
    assert "被申请人拒绝调解。" in response.content.decode()  # what was typed stays
    assert Mediation.objects.get(pk=mediation.pk).status == S.MEDIATING


def test_the_decision_day_of_the_court_cannot_be_in_the_future(people):
    mediation = mediation_at(people, S.COURT_APPLIED)
    with pytest.raises(ApplicationError):
        agreement_court_decision(
            actor=people["arbitration_mediator"],
            mediation=mediation,
            confirmed=False,
            decided_on=timezone.localdate() + datetime.timedelta(days=1),
        )
