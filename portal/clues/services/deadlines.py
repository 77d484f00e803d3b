"""The clocks of a clue: each source counts its own time limits (DeadlinePolicy rows, editable
in the admin, in working days where the source counts so), one for the first response and one
for closing. A clock met late stays late: the on-time rate reads when it was met."""

from __future__ import annotations

import datetime

from portal.core.deadlines import deadline_meet, deadline_start

from ..models import Clue, ClueSource

RESPOND = "respond"
CLOSE = "close"

# The policy key of each source's clocks; sources without their own rules count as the
# bureau's complaints do (《劳动保障监察条例》).
_OWN_RULES: dict[str, str] = {ClueSource.PLATFORM: "platform", ClueSource.HOTLINE: "hotline"}


def policy_key(source: str, clock: str) -> str:
    return f"clue.{_OWN_RULES.get(source, 'other')}.{clock}"


def clocks_start(clue: Clue, start: datetime.datetime | datetime.date) -> None:
    """Start the response and closing clocks of a newly registered clue; the clue's due date
    is the closing clock's, or the source's own deadline when that is earlier."""
    deadline_start(policy_key=policy_key(clue.source, RESPOND), subject=clue, start=start)
    closing_clock_start(clue, start)


def closing_clock_start(clue: Clue, start: datetime.datetime | datetime.date) -> None:
    due = deadline_start(policy_key=policy_key(clue.source, CLOSE), subject=clue, start=start)
    clue.due_on = due.due_on
    if clue.source_deadline is not None and clue.source_deadline < due.due_on:
        clue.due_on = clue.source_deadline


def clock_meet(clue: Clue, clock: str) -> None:
    deadline_meet(policy_key=policy_key(clue.source, clock), subject=clue)
