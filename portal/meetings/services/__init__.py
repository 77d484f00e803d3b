"""Writes on meetings: one service per move, each with its rule, audit event and after-commit
side effects. Split by subject; import them from here."""

from .agenda import agenda_item_add, case_share_for_meeting, shares_end
from .invitations import invitation_send, meeting_reminders_send
from .meetings import (
    GuestData,
    MeetingData,
    guest_add,
    guest_remove,
    meeting_cancel,
    meeting_create,
    meeting_update,
    participant_add,
    participant_remove,
)
from .minutes import (
    MINUTES_DOCUMENT,
    ActionItemData,
    MinutesData,
    SweepResult,
    action_item_complete,
    action_item_policy,
    action_items_overdue_sweep,
    minutes_approve,
    minutes_save,
)
from .scheduling import meeting_fix_slot, participant_rsvp, slot_propose, slot_vote

__all__ = [
    "MINUTES_DOCUMENT",
    "ActionItemData",
    "GuestData",
    "MeetingData",
    "MinutesData",
    "SweepResult",
    "action_item_complete",
    "action_item_policy",
    "action_items_overdue_sweep",
    "agenda_item_add",
    "case_share_for_meeting",
    "guest_add",
    "guest_remove",
    "invitation_send",
    "meeting_cancel",
    "meeting_create",
    "meeting_fix_slot",
    "meeting_reminders_send",
    "meeting_update",
    "minutes_approve",
    "minutes_save",
    "participant_add",
    "participant_remove",
    "participant_rsvp",
    "shares_end",
    "slot_propose",
    "slot_vote",
]
