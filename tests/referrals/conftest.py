"""Referral fixtures: the two directions the tests use most.

bureau → procuratorate: a false-arbitration clue drafted by bureau.inspector (the bureau has a
non-author inspector-less mediator and a leader to be refused with).
arbitration → bureau: a wage-arrears clue drafted by arb.arbitrator (the receiving bureau has
working staff, an admin and a read-only leader)."""

from __future__ import annotations

import pytest

from portal.referrals.models import Referral

from .builders import draft


@pytest.fixture
def clue(bureau_inspector, procuratorate_liaison, procuratorate_admin) -> Referral:
    """A draft bureau → procuratorate false-arbitration clue."""
    return draft(bureau_inspector, "procuratorate")


@pytest.fixture
def arrears(arbitrator, bureau_inspector, bureau_admin, bureau_leader, bureau_mediator) -> Referral:
    """A draft arbitration → bureau wage-arrears clue."""
    return draft(arbitrator, "bureau")
