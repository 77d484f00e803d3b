"""The referral's letters (移送函 once it has a number, 反馈函 once there is feedback) and the
audited reveal of the personal numbers typed into its texts."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.models import Document, User

from ..models import (
    Referral,
)
from ..permissions import can_reveal
from .common import FEEDBACK_LETTER, LETTER

# --- letters -----------------------------------------------------------------------------------


@transaction.atomic
def referral_letter_request(*, actor: User, referral: Referral, kind: str) -> Document:
    """Ask for the referral letter (移送函, once it has a number) or the feedback letter
    (反馈函, once there is feedback), rendered after commit."""
    if kind == LETTER and not referral.number:
        raise ApplicationError(_("The referral letter exists once the referral is sent."))
    if kind == FEEDBACK_LETTER and not referral.feedback.exists():
        raise ApplicationError(_("The feedback letter exists once feedback was given."))
    if kind not in (LETTER, FEEDBACK_LETTER):
        raise ApplicationError(_("Unknown letter."))
    return document_request(actor=actor, owner=referral, kind=kind)


@transaction.atomic
def referral_reveal_personal_numbers(*, actor: User, referral: Referral) -> Referral:
    """The referral's texts with their ID and phone numbers whole, for the working staff of
    either side; every reveal is audited (as the case page's)."""
    if not can_reveal(actor, referral):
        raise ApplicationError(
            _("Only staff who work this referral can see whole personal numbers.")
        )
    audit_record(actor=actor, action="referral.reveal_personal_info", obj=referral)
    return referral
