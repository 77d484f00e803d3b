"""The move primitive (portal.core.transitions), on the referral's table: the order of its
checks, what a move writes, when its side effects run, and the documented tables."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from portal.core.audit import audit_history
from portal.core.bootstrap import seed_reference_data
from portal.core.errors import ApplicationError
from portal.core.management.commands.move_tables import block, documented, load_tables, pages
from portal.core.models import Role
from portal.core.transitions import internal, rule, table_markdown
from portal.referrals.models import ReferralStatus as S
from portal.referrals.permissions import MOVES, Move

from ..factories import member
from ..referrals.builders import draft

pytestmark = pytest.mark.django_db


def refusal(call) -> str:
    with (
        translation.override("en"),
        pytest.raises(ApplicationError) as caught,
        transaction.atomic(),
    ):
        call()
    return caught.value.message


def test_a_move_refuses_the_wrong_role_before_a_stale_page_and_a_stale_page_before_the_state(
    bureau_inspector, bureau_mediator
):
    referral = draft(bureau_inspector)  # a draft: withdrawing is not possible from it
    assert "Only the author" in refusal(
        lambda: MOVES.begin(bureau_mediator, referral, Move.WITHDRAW, expected_version=9)
    )
    assert "changed meanwhile" in refusal(
        lambda: MOVES.begin(bureau_inspector, referral, Move.WITHDRAW, expected_version=9)
    )
    assert "cannot be done while" in refusal(
        lambda: MOVES.begin(bureau_inspector, referral, Move.WITHDRAW, expected_version=1)
    )


@pytest.mark.django_db(transaction=True)
def test_a_move_runs_only_inside_the_services_transaction():
    seed_reference_data()  # a transactional test may start from a flushed database
    inspector = member("t.inspector", "bureau", Role.INSPECTOR)
    referral = draft(inspector)
    with pytest.raises(RuntimeError):
        MOVES.begin(inspector, referral, Move.SEND, expected_version=1)


def test_finishing_a_move_saves_the_target_a_new_version_and_the_audit_row_and_runs_effects_after_commit(
    bureau_inspector, django_capture_on_commit_callbacks
):
    referral = draft(bureau_inspector)
    ran: list[str] = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = MOVES.begin(bureau_inspector, referral, Move.SEND, expected_version=1)
        MOVES.finish(
            bureau_inspector, locked, Move.SEND, note="n", after_commit=[lambda: ran.append("x")]
        )
        assert ran == []  # not before the commit
    assert ran == ["x"]
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (S.SENT, 2)
    event = audit_history(referral).first()
    assert (event.action, event.status_before, event.status_after, event.note) == (
        "referral.send",
        S.DRAFT,
        S.SENT,
        "n",
    )


def test_a_failed_move_leaves_nothing_and_runs_no_effect(
    bureau_inspector, django_capture_on_commit_callbacks
):
    referral = draft(bureau_inspector)
    ran: list[str] = []
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        locked = MOVES.begin(bureau_inspector, referral, Move.SEND, expected_version=1)
        MOVES.finish(bureau_inspector, locked, Move.SEND, after_commit=[lambda: ran.append(1)])
        1 / 0  # noqa: B018 - the move's own work fails after finish
    assert ran == []
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (S.DRAFT, 1)
    assert not audit_history(referral).filter(action="referral.send").exists()


def test_internal_moves_are_never_buttons_and_only_services_acting_for_nobody_make_them(
    bureau_inspector,
):
    referral = draft(bureau_inspector)
    table = type(MOVES)(
        model=type(referral),
        moves={"nudge": rule({S.DRAFT}, None, internal)},
        audit_prefix="test-only",
        stale="stale",
        wrong_state="wrong %(status)s",
    )
    assert table.available(bureau_inspector, referral) == set()
    assert table.can(None, referral, "nudge")
    assert table.role_allows(bureau_inspector, referral, "nudge")  # its caller checked the role
    assert "| nudge | Draft | (unchanged) | internal: made by a service for" in table_markdown(
        table
    )
    from portal.core.transitions import TABLES

    TABLES.pop("test-only")


def test_a_page_offers_exactly_the_moves_its_reader_may_make_now(
    bureau_inspector, bureau_admin, bureau_leader
):
    referral = draft(bureau_inspector)
    assert MOVES.available(bureau_inspector, referral) == {Move.SEND}
    assert MOVES.available(bureau_admin, referral) == {Move.SEND}
    assert MOVES.available(bureau_leader, referral) == set()


def test_every_move_table_is_documented_as_the_code_has_it():
    tables, where = load_tables(), pages()
    assert set(tables) <= set(where), "a table without its page under docs/"
    for prefix, table in tables.items():
        assert documented(where[prefix].read_text(), prefix) == block(
            prefix, table_markdown(table)
        ), f"run `python manage.py move_tables`: {where[prefix].name} is out of date"


def test_the_move_tables_command_finds_nothing_to_write():
    call_command("move_tables", check=True)


# The module that walks each table move by move (happy path with its audit row, wrong role,
# wrong state, stale page): its MOVE_CASES name every move a person makes.
WALKERS = {
    "referral": "tests.referrals.test_services",
    "case": "tests.cases.test_moves",
    "mediation": "tests.mediation.test_moves",
    "mediation_session": "tests.mediation.test_part_moves",
    "instalment": "tests.mediation.test_part_moves",
    "meeting": "tests.meetings.test_moves",
    "minutes": "tests.meetings.test_moves",
    "action_item": "tests.meetings.test_moves",
    "clue": "tests.clues.test_services",
}


def test_every_move_table_is_walked_move_by_move():
    tables = load_tables()
    assert set(tables) == set(WALKERS), "a move table without its walking test"
    for name, table in tables.items():
        walked = {case.move for case in importlib.import_module(WALKERS[name]).MOVE_CASES}
        people = {move for move, rule in table.moves.items() if not rule.is_internal}
        assert people <= walked, f"{name}: not walked: {sorted(people - walked)}"


def _status_assignments(path: Path) -> list[str]:
    """`<name>.status = …` in a module, for the objects that have a move table."""
    tree = ast.parse(path.read_text())
    owners = {"clue", "referral", "case", "mediation", "meeting", "session", "instalment", "item"}
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == "status"
                and isinstance(target.value, ast.Name)
                and target.value.id in owners
            ):
                found.append(f"{path}:{node.lineno}")
    return found


def test_no_service_assigns_a_status_but_through_the_move_primitive():
    portal = Path(__file__).resolve().parents[2] / "portal"
    assignments = [
        where
        for path in portal.rglob("*.py")
        if "migrations" not in path.parts and path.name != "transitions.py"
        for where in _status_assignments(path)
    ]
    assert assignments == []
