"""The case's move table, walked: every move a person makes (happy path with its audit row,
wrong role, wrong state, stale page), and the table against the lifecycle in models.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db.models import F
from django.utils import translation

from portal.cases.models import TRANSITIONS, Case, CaseChannel, CaseStatus
from portal.cases.permissions import MOVES, Move
from portal.cases.services.arbitration import (
    case_arbitrate,
    case_arbitrator_name,
    case_award,
    case_award_period_extend,
    case_hearing_schedule,
    case_resume,
    case_settle,
    case_suspend,
    case_withdraw,
)
from portal.cases.services.intake import (
    case_accept,
    case_file,
    case_refuse,
    case_request_material,
    case_route_to_mediation,
)
from portal.core.errors import ApplicationError
from portal.core.models import AuditEvent
from tests.helpers import refused_unchanged

from ..factories import case_data

pytestmark = pytest.mark.django_db

S = CaseStatus


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@dataclass(frozen=True)
class MoveCase:
    """A move tried on a claimant's filing driven to `source` by `actor`; `wrong_role` is
    someone of the committee who may not make it, `wrong_state` a status it does not start
    from."""

    move: Move
    call: Callable[..., Case]
    source: str
    actor: str
    wrong_role: str
    wrong_state: str
    kwargs: dict = field(default_factory=dict)
    # arguments that are people: the name of the fixture for each
    people: dict = field(default_factory=dict)
    says: str = "Only arbitrators and administrators"


MOVE_CASES = [
    MoveCase(Move.ACCEPT, case_accept, S.FILED, "arbitrator", "arbitration_mediator", S.REFUSED),
    MoveCase(
        Move.ACCEPT,
        case_accept,
        S.MATERIAL_REQUESTED,
        "arbitration_admin",
        "arbitration_mediator",
        S.MEDIATION_PENDING,
    ),
    MoveCase(
        Move.ROUTE_TO_MEDIATION,
        case_route_to_mediation,
        S.FILED,
        "arbitration_admin",
        "arbitration_mediator",
        S.ACCEPTED,
        {"claimant_consented": True},
    ),
    MoveCase(
        Move.REFUSE,
        case_refuse,
        S.MATERIAL_REQUESTED,
        "arbitrator",
        "bureau_admin",
        S.ACCEPTED,
        {"reason": "不属于劳动争议"},
    ),
    MoveCase(
        Move.REQUEST_MATERIAL,
        case_request_material,
        S.FILED,
        "arbitrator",
        "arbitration_mediator",
        S.MATERIAL_REQUESTED,
        {"missing": "请补充劳动关系证明"},
    ),
    # the arbitration after acceptance (art. 43)
    MoveCase(
        Move.ARBITRATE,
        case_arbitrate,
        S.ACCEPTED,
        "arbitration_admin",
        "arbitration_mediator",
        S.FILED,
        people={"arbitrator": "arbitrator"},
    ),
    MoveCase(
        Move.NAME_ARBITRATOR,
        case_arbitrator_name,
        S.SUSPENDED,
        "arbitrator",
        "arbitration_mediator",
        S.ACCEPTED,
        people={"arbitrator": "arbitrator"},
    ),
    MoveCase(
        Move.SCHEDULE_HEARING,
        case_hearing_schedule,
        S.ARBITRATING,
        "arbitrator",
        "bureau_admin",
        S.SUSPENDED,
        {"hearing_on": datetime.date.today() + datetime.timedelta(days=7)},
    ),
    MoveCase(
        Move.EXTEND,
        case_award_period_extend,
        S.ARBITRATING,
        "arbitration_admin",
        "arbitrator",
        S.SUSPENDED,
        {"reason": "案情复杂，需要延期"},
        says="Only the committee's head",
    ),
    MoveCase(
        Move.SUSPEND,
        case_suspend,
        S.ARBITRATING,
        "arbitrator",
        "arbitration_mediator",
        S.ACCEPTED,
        {"reason": "申请人因工伤住院"},
    ),
    MoveCase(Move.RESUME, case_resume, S.SUSPENDED, "arbitrator", "bureau_admin", S.ARBITRATING),
    MoveCase(
        Move.AWARD,
        case_award,
        S.ARBITRATING,
        "arbitrator",
        "arbitration_mediator",
        S.SUSPENDED,
        {"decision": "被申请人于本裁决生效之日起五日内支付工资人民币12000元。"},
    ),
    MoveCase(
        Move.WITHDRAW,
        case_withdraw,
        S.ACCEPTED,
        "arbitrator",
        "bureau_admin",
        S.CLOSED,
        {"note": "申请人书面撤回"},
    ),
    MoveCase(
        Move.SETTLE,
        case_settle,
        S.SUSPENDED,
        "arbitration_admin",
        "arbitration_mediator",
        S.FILED,
        {"note": "双方和解，当场支付"},
    ),
]


def test_every_move_a_person_makes_has_a_case():
    people_moves = {move for move, rule in MOVES.moves.items() if not rule.is_internal}
    assert {case.move for case in MOVE_CASES} == people_moves


def test_every_move_is_one_edge_of_the_transitions_and_every_edge_has_its_move():
    edges = set()
    for rule in MOVES.moves.values():
        if rule.target is None:  # a move that records (a hearing date): no edge
            continue
        for source in rule.sources:
            assert rule.target in TRANSITIONS[source]
            edges.add((source, rule.target))
    assert edges == {(s, t) for s, targets in TRANSITIONS.items() for t in targets}


def filing_at(status: str, arbitrator) -> Case:
    """A claimant's filing driven to `status` by the committee's own moves."""
    case = case_file(data=case_data(), channel=CaseChannel.KIOSK).case
    if status == S.MATERIAL_REQUESTED:
        case_request_material(actor=arbitrator, case=case, missing="请补充工资条")
    elif status == S.ACCEPTED:
        case_accept(actor=arbitrator, case=case)
    elif status == S.REFUSED:
        case_refuse(actor=arbitrator, case=case, reason="超过仲裁时效")
    elif status == S.MEDIATION_PENDING:
        case_route_to_mediation(actor=arbitrator, case=case, claimant_consented=True)
    elif status in (S.ARBITRATING, S.SUSPENDED, S.CLOSED):
        case_accept(actor=arbitrator, case=case)
        case_arbitrate(actor=arbitrator, case=case, arbitrator=arbitrator)
        if status == S.SUSPENDED:
            case_suspend(actor=arbitrator, case=case, reason="等待工伤认定结论")
        if status == S.CLOSED:
            case_withdraw(actor=arbitrator, case=case, note="申请人撤回")
    else:
        assert status == S.FILED
    case = Case.objects.get(pk=case.pk)
    assert case.status == status
    return case


def snapshot(case: Case) -> tuple:
    """What a refused move must leave as it was."""
    fresh = Case.objects.get(pk=case.pk)
    events = AuditEvent.objects.filter(object_id=str(case.pk)).count()
    return fresh.status, fresh.version, fresh.number, events


def make(request, move_case: MoveCase, actor, case: Case, **extra) -> Case:
    people = {name: request.getfixturevalue(f) for name, f in move_case.people.items()}
    return move_case.call(actor=actor, case=case, **move_case.kwargs, **people, **extra)


CASE_IDS = [f"{c.move}-from-{c.source}" for c in MOVE_CASES]


@pytest.mark.parametrize("move_case", MOVE_CASES, ids=CASE_IDS)
def test_a_move_writes_its_audit_row_with_the_status_before_and_after(
    request, move_case, arbitrator
):
    case = filing_at(move_case.source, arbitrator)
    actor = request.getfixturevalue(move_case.actor)
    moved = make(request, move_case, actor, case, expected_version=case.version)
    target = MOVES[move_case.move].target or move_case.source
    fresh = Case.objects.get(pk=case.pk)
    assert moved.status == fresh.status == target
    assert fresh.version == case.version + 1
    event = AuditEvent.objects.filter(object_id=str(case.pk), action=f"case.{move_case.move}")
    assert [(e.actor, e.status_before, e.status_after) for e in event.order_by("-id")[:1]] == [
        (actor, move_case.source, target)
    ]


@pytest.mark.parametrize("move_case", MOVE_CASES, ids=CASE_IDS)
def test_a_wrong_role_is_refused(request, move_case, arbitrator):
    case = filing_at(move_case.source, arbitrator)
    refused_unchanged(
        lambda: make(request, move_case, request.getfixturevalue(move_case.wrong_role), case),
        says=move_case.says,
        state=lambda: snapshot(case),
    )


@pytest.mark.parametrize("move_case", MOVE_CASES, ids=CASE_IDS)
def test_a_wrong_state_is_refused(request, move_case, arbitrator):
    case = filing_at(move_case.wrong_state, arbitrator)
    refused_unchanged(
        lambda: make(request, move_case, request.getfixturevalue(move_case.actor), case),
        says="cannot be done while the case is",
        state=lambda: snapshot(case),
    )


@pytest.mark.parametrize("move_case", MOVE_CASES, ids=CASE_IDS)
def test_a_stale_page_is_refused(request, move_case, arbitrator):
    case = filing_at(move_case.source, arbitrator)
    shown = case.version
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)  # changed meanwhile
    refused_unchanged(
        lambda: make(
            request,
            move_case,
            request.getfixturevalue(move_case.actor),
            case,
            expected_version=shown,
        ),
        says="changed meanwhile; reload the page",
        state=lambda: snapshot(case),
    )


def test_a_wrong_role_is_told_before_a_stale_page_and_a_stale_page_before_the_state(
    arbitrator, arbitration_mediator
):
    case = filing_at(S.ACCEPTED, arbitrator)
    with pytest.raises(ApplicationError, match="Only arbitrators"):
        case_refuse(actor=arbitration_mediator, case=case, reason="理由理由", expected_version=0)
    with pytest.raises(ApplicationError, match="changed meanwhile"):
        case_refuse(actor=arbitrator, case=case, reason="理由理由", expected_version=0)


def test_the_intake_desk_offers_exactly_the_moves_the_decider_may_make_now(
    arbitrator, arbitration_mediator
):
    filed = filing_at(S.FILED, arbitrator)
    asked = filing_at(S.MATERIAL_REQUESTED, arbitrator)
    accepted = filing_at(S.ACCEPTED, arbitrator)
    intake = {Move.ACCEPT, Move.ROUTE_TO_MEDIATION, Move.REFUSE, Move.REQUEST_MATERIAL}
    assert MOVES.available(arbitrator, filed) == intake
    assert MOVES.available(arbitrator, asked) == intake - {Move.REQUEST_MATERIAL}
    # once accepted, the desk has nothing left: the case page offers the arbitration's moves
    assert MOVES.available(arbitrator, accepted) == {Move.ARBITRATE, Move.WITHDRAW, Move.SETTLE}
    assert MOVES.available(arbitration_mediator, filed) == set()
