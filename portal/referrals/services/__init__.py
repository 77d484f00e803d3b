"""Writes on referrals: drafting (drafting.py), one service per move (moves.py, the role rules
as data in permissions.MOVES), and the letters (letters.py)."""

from .common import (
    ACKNOWLEDGE_POLICY,
    FEEDBACK_LETTER,
    FEEDBACK_POLICY,
    LETTER,
    NUMBER_SERIES,
    SUPPLEMENT_POLICY,
)
from .drafting import ReferralData, referral_attachment_add, referral_create, referral_update
from .letters import referral_letter_request, referral_reveal_personal_numbers
from .moves import (
    referral_accept,
    referral_acknowledge,
    referral_close,
    referral_give_feedback,
    referral_record,
    referral_record_outcome,
    referral_reopen,
    referral_request_more,
    referral_request_supplement,
    referral_resend,
    referral_return,
    referral_send,
    referral_url,
    referral_withdraw,
)

__all__ = [
    "ACKNOWLEDGE_POLICY",
    "FEEDBACK_LETTER",
    "FEEDBACK_POLICY",
    "LETTER",
    "NUMBER_SERIES",
    "SUPPLEMENT_POLICY",
    "ReferralData",
    "referral_accept",
    "referral_acknowledge",
    "referral_attachment_add",
    "referral_close",
    "referral_create",
    "referral_give_feedback",
    "referral_letter_request",
    "referral_record",
    "referral_record_outcome",
    "referral_reopen",
    "referral_request_more",
    "referral_request_supplement",
    "referral_resend",
    "referral_return",
    "referral_reveal_personal_numbers",
    "referral_send",
    "referral_update",
    "referral_url",
    "referral_withdraw",
]
