"""Meeting pages. Each view loads with access_meeting (404 for what is not yours), parses one
form, calls one service and redirects, or shows the page again with the refusal next to the
form (portal.core.http.post_move); one POST URL per move. Split by page."""

from .detail import (
    action_item_complete,
    agenda_item_add,
    case_share,
    guest_add,
    guest_remove,
    meeting_cancel,
    meeting_detail,
    participant_add,
    participant_remove,
    participant_rsvp,
)
from .minutes import minutes_approve, minutes_edit
from .pages import (
    meeting_calendar,
    meeting_create,
    meeting_edit,
    meeting_ics_download,
    meeting_list,
)
from .poll import meeting_fix_slot, meeting_poll, slot_propose, slot_vote

__all__ = [
    "action_item_complete",
    "agenda_item_add",
    "case_share",
    "guest_add",
    "guest_remove",
    "meeting_calendar",
    "meeting_cancel",
    "meeting_create",
    "meeting_detail",
    "meeting_edit",
    "meeting_fix_slot",
    "meeting_ics_download",
    "meeting_list",
    "meeting_poll",
    "minutes_approve",
    "minutes_edit",
    "participant_add",
    "participant_remove",
    "participant_rsvp",
    "slot_propose",
    "slot_vote",
]
