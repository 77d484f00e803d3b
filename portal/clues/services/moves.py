"""The moves of a clue: one service per move, each through the move table (permissions.MOVES:
lock, role, version, state; audit row; effects after commit)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from portal.core.errors import required_text as _required
from portal.core.models import Role, User
from portal.core.notifications import notify
from portal.core.roles import has_role

from ..models import Clue, Conclusion, Squad
from ..permissions import MOVES, Move
from .deadlines import CLOSE, RESPOND, clock_meet, closing_clock_start


@transaction.atomic
def clue_assign(
    *,
    actor: User,
    clue: Clue,
    expected_version: int,
    squad: Squad | None = None,
    assignee: User | None = None,
) -> Clue:
    """Give the clue to a squad (by default the one of its street) and, optionally, to one of
    its inspectors; assigning again moves it to another squad or inspector."""
    clue = MOVES.begin(actor, clue, Move.ASSIGN, expected_version)
    squad = squad or clue.squad
    if squad is None:
        raise ApplicationError(
            _("No squad covers the street “%(street)s”: choose one.") % {"street": clue.street},
            field="squad",
        )
    members = list(squad.members.all())
    if assignee is not None and (assignee not in members or not has_role(assignee, Role.INSPECTOR)):
        raise ApplicationError(
            _("%(name)s is not an inspector of %(squad)s.")
            % {"name": assignee.get_full_name() or assignee.username, "squad": squad.name},
            field="assignee",
        )
    clue.squad, clue.assignee = squad, assignee
    MOVES.finish(actor, clue, Move.ASSIGN, fields=["squad", "assignee"], note=squad.name)
    _notify_after_commit(
        [assignee] if assignee is not None else members,
        _("Clue %(reference)s assigned to %(squad)s"),
        clue,
    )
    return clue


@transaction.atomic
def clue_contact(*, actor: User, clue: Clue, expected_version: int, note: str) -> Clue:
    """The first contact with the complainant (or the employer): the response clock is met."""
    clue = MOVES.begin(actor, clue, Move.CONTACT, expected_version)
    note = _required(note, _("Say whom you contacted and what was agreed."), "note")
    clock_meet(clue, RESPOND)
    MOVES.finish(actor, clue, Move.CONTACT, note=note)
    return clue


@transaction.atomic
def clue_check(*, actor: User, clue: Clue, expected_version: int, note: str) -> Clue:
    """The on-site check, with what was found."""
    clue = MOVES.begin(actor, clue, Move.CHECK, expected_version)
    note = _required(note, _("Say what the check found."), "note")
    MOVES.finish(actor, clue, Move.CHECK, note=note)
    return clue


@transaction.atomic
def clue_close(
    *,
    actor: User,
    clue: Clue,
    expected_version: int,
    conclusion: Conclusion,
    text: str = "",
    amount_recovered: Decimal | None = None,
    workers_paid: int | None = None,
) -> Clue:
    """Close with a standard conclusion (核处结论); one that records a payment asks for the
    amount recovered and the workers paid. The closing clock is met, late or not."""
    clue = MOVES.begin(actor, clue, Move.CLOSE, expected_version)
    if not conclusion.active:
        raise ApplicationError(_("This conclusion is no longer in use."), field="conclusion")
    if conclusion.records_payment:
        if amount_recovered is None or amount_recovered <= 0:
            raise ApplicationError(
                _("Give the amount recovered for the workers."), field="amount_recovered"
            )
        if not workers_paid:
            raise ApplicationError(_("Give the number of workers paid."), field="workers_paid")
    if amount_recovered is not None and amount_recovered < 0:
        raise ApplicationError(_("The amount cannot be negative."), field="amount_recovered")
    clue.conclusion = conclusion
    clue.conclusion_text = text.strip()
    clue.amount_recovered = amount_recovered
    clue.workers_paid = workers_paid
    clue.closed_at = timezone.now()
    clock_meet(clue, CLOSE)
    MOVES.finish(
        actor,
        clue,
        Move.CLOSE,
        fields=["conclusion", "conclusion_text", "amount_recovered", "workers_paid", "closed_at"],
        note=conclusion.name,
    )
    return clue


@transaction.atomic
def clue_reopen(*, actor: User, clue: Clue, expected_version: int, reason: str) -> Clue:
    """An admin reopens a closed clue: the earlier conclusion stays in the history (and in the
    on-time figures), a new closing clock starts."""
    clue = MOVES.begin(actor, clue, Move.REOPEN, expected_version)
    reason = _required(reason, _("Give the reason for reopening the clue."), "reason")
    earlier = clue.conclusion.name if clue.conclusion else ""
    clue.conclusion, clue.conclusion_text, clue.closed_at = None, "", None
    clue.amount_recovered = clue.workers_paid = None
    closing_clock_start(clue, timezone.now())
    MOVES.finish(
        actor,
        clue,
        Move.REOPEN,
        fields=[
            "conclusion",
            "conclusion_text",
            "closed_at",
            "amount_recovered",
            "workers_paid",
            "due_on",
        ],
        note=f"{reason}（{earlier}）" if earlier else reason,
    )
    return clue


@transaction.atomic
def clue_supervise(*, actor: User, clue: Clue, expected_version: int, instruction: str) -> Clue:
    """督办: an admin presses a late clue; its squad is told."""
    clue = MOVES.begin(actor, clue, Move.SUPERVISE, expected_version)
    instruction = _required(instruction, _("Say what is expected, by when."), "instruction")
    clue.supervised_at = timezone.now()
    MOVES.finish(actor, clue, Move.SUPERVISE, fields=["supervised_at"], note=instruction)
    recipients = (
        [clue.assignee] if clue.assignee else list(clue.squad.members.all()) if clue.squad else []
    )
    _notify_after_commit(recipients, _("Clue %(reference)s is under supervision"), clue)
    return clue


def clue_url(clue: Clue) -> str:
    return reverse("clues:detail", kwargs={"pk": clue.pk})


def _notify_after_commit(recipients: Iterable[User], title: str, clue: Clue) -> None:
    active = [user for user in recipients if user.is_active]
    text = title % {"reference": str(clue), "squad": clue.squad.name if clue.squad else ""}
    body = clue.employer_name
    url = clue_url(clue)
    transaction.on_commit(lambda: notify(recipients=active, title=text, body=body, url=url))
