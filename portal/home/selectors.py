"""The work list: what each flow has open for the signed-in person."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from portal.cases.selectors import case_deadlines_open, case_list
from portal.clues.selectors import dashboard_sections as clue_sections
from portal.core.models import User
from portal.meetings.selectors import dashboard_sections as meeting_sections
from portal.referrals.selectors import dashboard_sections as referral_sections


def work_list_for(user: User) -> dict[str, Any]:
    """The home page: the agency's recent cases and the open deadlines on what the user sees."""
    return {
        "recent_cases": case_list(user=user)[:10],
        "open_deadlines": case_deadlines_open(user=user)[:10],
        "today": timezone.localdate(),
        **referral_sections(user),
        **meeting_sections(user),
        **clue_sections(user),
    }
