"""Clue services: registering (the data's rules, the squad by street, the clocks) and every
move (happy path with its audit row, wrong source state, wrong agency, wrong role, stale
page) and what each move does besides."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import translation

from portal.clues import services
from portal.clues.models import Clue, ClueSource, ClueStatus
from portal.clues.permissions import MOVES, Move, available_moves
from portal.core.audit import audit_history
from portal.core.deadlines import deadlines_of
from portal.core.errors import ApplicationError
from portal.core.models import Notification, User

from .builders import clue_data, conclusion, drive, late, move, register

pytestmark = pytest.mark.django_db

S = ClueStatus


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def snapshot(clue: Clue) -> tuple:
    """What a refused move must leave as it was."""
    fresh = Clue.objects.get(pk=clue.pk)
    return (
        fresh.status,
        fresh.version,
        fresh.squad_id,
        fresh.conclusion_id,
        audit_history(fresh).count(),
        Notification.objects.count(),
        deadlines_of(fresh).filter(met_at__isnull=False).count(),
    )


# --- the move table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveCase:
    """A move tried on a clue driven to `source` by `actor`; `wrong_role` is someone of the
    bureau who may not make it, `wrong_state` a status it does not start from."""

    move: Move
    source: str
    actor: str
    wrong_role: str
    wrong_state: str
    late: bool = False
    kwargs: dict = field(default_factory=dict)


OTHER_AGENCIES = ("arbitration_admin", "arbitrator", "procuratorate_admin")

MOVE_CASES = [
    MoveCase(Move.ASSIGN, S.REGISTERED, "bureau_admin", "bureau_inspector", S.CLOSED),
    MoveCase(Move.CONTACT, S.ASSIGNED, "bureau_inspector", "other_inspector", S.REGISTERED),
    MoveCase(Move.CHECK, S.CONTACTED, "bureau_inspector", "bureau_leader", S.ASSIGNED),
    MoveCase(Move.CLOSE, S.CHECKED, "bureau_inspector", "other_inspector", S.ASSIGNED),
    MoveCase(Move.REOPEN, S.CLOSED, "bureau_admin", "bureau_inspector", S.CHECKED),
    MoveCase(Move.SUPERVISE, S.CONTACTED, "bureau_admin", "bureau_inspector", S.CLOSED, late=True),
    MoveCase(Move.REFER, S.CHECKED, "bureau_inspector", "other_inspector", S.REGISTERED),
    MoveCase(Move.LINK_DUPLICATE, S.CONTACTED, "bureau_admin", "other_inspector", S.CLOSED),
]

ACTORS = (
    "bureau_inspector",
    "other_inspector",
    "bureau_admin",
    "bureau_leader",
    "bureau_mediator",
    *OTHER_AGENCIES,
)


@pytest.fixture
def people(request, home_squad) -> dict[str, User]:
    return {name: request.getfixturevalue(name) for name in ACTORS}


def clue_at(people: dict[str, User], status: str, *, is_late: bool = False) -> Clue:
    register(people["bureau_inspector"], employer_name="先登记的公司")  # one to link to
    clue = register(people["bureau_inspector"])
    clue = drive(clue, status, admin=people["bureau_admin"], worker=people["bureau_inspector"])
    return late(clue) if is_late else clue


def make(case: MoveCase, clue: Clue, actor: User, version: int | None = None) -> None:
    defaults = {
        Move.CONTACT: {"note": "已联系。"},
        Move.CHECK: {"note": "现场核查属实。"},
        Move.CLOSE: {
            "conclusion": conclusion(),
            "amount_recovered": Decimal("1"),
            "workers_paid": 1,
        },
        Move.REOPEN: {"reason": "复查。"},
        Move.SUPERVISE: {"instruction": "限期办结。"},
        Move.REFER: {"kind": "dispute"},
        Move.LINK_DUPLICATE: {"other": Clue.objects.exclude(pk=clue.pk).first()},
    }.get(case.move, {})
    getattr(services, f"clue_{case.move.value}")(
        actor=actor,
        clue=clue,
        expected_version=clue.version if version is None else version,
        **{**defaults, **case.kwargs},
    )


def case_id(case: MoveCase) -> str:
    return case.move.value


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_goes_to_its_target_status_and_writes_its_audit_row(people, case):
    clue = clue_at(people, case.source, is_late=case.late)
    version = clue.version
    make(case, clue, people[case.actor])
    clue.refresh_from_db()
    assert clue.status == (MOVES[case.move].target or case.source)
    assert clue.version == version + 1
    event = audit_history(clue).first()
    assert event.action == f"clue.{case.move.value}"
    assert (event.status_before, event.status_after) == (case.source, clue.status)
    assert event.actor == people[case.actor]


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_from_a_wrong_source_state(people, case):
    clue = clue_at(people, case.wrong_state, is_late=case.late)
    before = snapshot(clue)
    with pytest.raises(ApplicationError, match="cannot be done while the clue is"):
        make(case, clue, people[case.actor])
    assert snapshot(clue) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_to_staff_of_other_agencies(people, case):
    clue = clue_at(people, case.source, is_late=case.late)
    before = snapshot(clue)
    for name in OTHER_AGENCIES:
        with pytest.raises(ApplicationError, match="Only"):
            make(case, clue, people[name])
    assert snapshot(clue) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_to_the_wrong_role_of_the_bureau(people, case):
    clue = clue_at(people, case.source, is_late=case.late)
    before = snapshot(clue)
    for name in (case.wrong_role, "bureau_leader", "bureau_mediator"):
        with pytest.raises(ApplicationError, match="Only"):
            make(case, clue, people[name])
    assert snapshot(clue) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_from_a_stale_page_is_refused(people, case):
    clue = clue_at(people, case.source, is_late=case.late)
    before = snapshot(clue)
    with pytest.raises(ApplicationError, match="changed meanwhile; reload the page"):
        make(case, clue, people[case.actor], version=clue.version - 1)
    assert snapshot(clue) == before


# --- registering -------------------------------------------------------------------------------


def test_a_registered_clue_goes_to_the_squad_of_its_street_with_its_sources_clocks(
    bureau_inspector, home_squad
):
    clue = register(bureau_inspector, street="龙凤街", source=ClueSource.PLATFORM)
    assert clue.squad == home_squad
    assert clue.status == S.REGISTERED
    assert sorted(deadlines_of(clue).values_list("policy__key", flat=True)) == [
        "clue.platform.close",
        "clue.platform.respond",
    ]
    assert clue.due_on == deadlines_of(clue).get(policy__key="clue.platform.close").due_on
    assert audit_history(clue).first().action == "clue.register"


def test_a_clue_of_a_street_no_squad_covers_waits_for_an_admin_to_choose_one(
    bureau_inspector, bureau_admin, home_squad
):
    clue = register(bureau_inspector, street="琶洲街")
    assert clue.squad is None
    with pytest.raises(ApplicationError, match="No squad covers the street"):
        move(clue, "assign", bureau_admin)
    clue = move(clue, "assign", bureau_admin, squad=home_squad, assignee=bureau_inspector)
    assert (clue.squad, clue.assignee, clue.status) == (home_squad, bureau_inspector, S.ASSIGNED)


def test_an_invalid_credit_code_is_refused_next_to_its_field_and_nothing_is_saved(
    bureau_inspector, home_squad
):
    with pytest.raises(ApplicationError, match="unified social credit code") as caught:
        register(bureau_inspector, credit_code="91440105MA00000000")
    assert caught.value.field == "employer_credit_code"
    assert Clue.objects.count() == 0


def test_an_anonymous_complainant_leaves_no_identity_and_a_named_one_is_masked(
    bureau_inspector, home_squad
):
    anonymous = services.clue_register(
        actor=bureau_inspector,
        data=clue_data(anonymous=True, complainant_name="王小明", complainant_phone="13800138000"),
    )
    assert (anonymous.complainant_name, anonymous.complainant_phone) == ("", "")
    assert anonymous.complainant_masked == "anonymous"
    named = services.clue_register(
        actor=bureau_inspector,
        data=clue_data(complainant_name="王小明", complainant_phone="138 0013 8000"),
    )
    assert (named.complainant_masked, named.phone_masked) == ("王**", "138****8000")


def test_the_same_source_reference_is_registered_once(bureau_inspector, home_squad):
    register(bureau_inspector, reference="GD12345-2026-0001")
    with pytest.raises(ApplicationError, match="registered already"):
        register(bureau_inspector, reference="GD12345-2026-0001")
    assert Clue.objects.count() == 1


def test_only_the_bureaus_inspectors_and_admins_register(bureau_leader, arbitrator, home_squad):
    for actor in (bureau_leader, arbitrator):
        with pytest.raises(ApplicationError, match="Only inspectors and administrators"):
            register(actor)
    assert Clue.objects.count() == 0


# --- what the moves do besides -------------------------------------------------------------------


def test_closing_paid_in_full_asks_for_the_amount_and_the_workers(people):
    clue = clue_at(people, S.CHECKED)
    with pytest.raises(ApplicationError, match="amount recovered"):
        move(clue, "close", people["bureau_inspector"], amount_recovered=None)
    with pytest.raises(ApplicationError, match="workers paid"):
        move(clue, "close", people["bureau_inspector"], workers_paid=None)
    clue = move(
        clue,
        "close",
        people["bureau_inspector"],
        conclusion=conclusion("no_violation"),
        amount_recovered=None,
        workers_paid=None,
    )
    assert clue.status == S.CLOSED


def test_a_reopened_clue_keeps_its_earlier_conclusion_in_its_history(people):
    clue = clue_at(people, S.CLOSED)
    clue = move(clue, "reopen", people["bureau_admin"])
    assert (clue.status, clue.conclusion) == (S.CONTACTED, None)
    event = audit_history(clue).first()
    assert "工资已全额支付" in event.note
    assert audit_history(clue).filter(action="clue.close").exists()


def test_supervision_is_offered_only_on_a_late_clue_and_tells_its_squad(
    people, django_capture_on_commit_callbacks
):
    clue = clue_at(people, S.CONTACTED)
    assert Move.SUPERVISE not in available_moves(people["bureau_admin"], clue)
    clue = late(clue)
    assert Move.SUPERVISE in available_moves(people["bureau_admin"], clue)
    with django_capture_on_commit_callbacks(execute=True):
        move(clue, "supervise", people["bureau_admin"])
    assert Notification.objects.filter(recipient=people["bureau_inspector"]).count() == 1


def test_an_inspector_may_work_only_the_clues_of_their_squad(people):
    clue = clue_at(people, S.ASSIGNED)
    assert available_moves(people["bureau_inspector"], clue) == {
        Move.CONTACT,
        Move.REFER,
        Move.LINK_DUPLICATE,
    }
    assert available_moves(people["other_inspector"], clue) == set()
    assert available_moves(people["bureau_leader"], clue) == set()
