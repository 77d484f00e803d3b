"""Writes on clues: registering (registering.py), one service per move (moves.py, the role
rules as data in permissions.MOVES), the clocks of each source (deadlines.py)."""

from .deadlines import CLOSE, RESPOND, policy_key
from .imports import ImportReport, Outcome, clue_import
from .moves import (
    clue_assign,
    clue_check,
    clue_close,
    clue_contact,
    clue_reopen,
    clue_supervise,
    clue_url,
)
from .onward import REFERRAL_KINDS, clue_link_duplicate, clue_refer
from .registering import ClueData, clue_register, squad_for_street

__all__ = [
    "CLOSE",
    "REFERRAL_KINDS",
    "RESPOND",
    "ClueData",
    "ImportReport",
    "Outcome",
    "clue_assign",
    "clue_check",
    "clue_close",
    "clue_contact",
    "clue_import",
    "clue_link_duplicate",
    "clue_refer",
    "clue_register",
    "clue_reopen",
    "clue_supervise",
    "clue_url",
    "policy_key",
    "squad_for_street",
]
