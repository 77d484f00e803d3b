"""The referral letter (移送函) and the feedback letter (反馈函), rendered by the core PDF
pipeline. Letters go to another agency: personal numbers in them are masked (PIPL)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.documents import DocumentKind, register_document_kind
from portal.core.pii import mask_id_number, mask_personal_numbers

from .models import Referral
from .permissions import access_referral
from .services import FEEDBACK_LETTER, LETTER


def _common(referral: Referral) -> dict[str, Any]:
    case = referral.case
    claimants = []
    if case is not None:
        claimants = [
            {"name": claimant.name, "id_number": mask_id_number(claimant.id_number)}
            for claimant in case.claimants.all()
        ]
    return {
        "referral": referral,
        "sender": referral.sender_agency,
        "receiver": referral.receiver_agency,
        "case": case,
        "claimants": claimants,
        "generated_at": timezone.localtime(),
    }


def _letter_context(referral: Referral) -> dict[str, Any]:
    return {
        **_common(referral),
        "summary": mask_personal_numbers(referral.summary),
        "legal_basis": mask_personal_numbers(referral.legal_basis),
        "attachments": list(referral.attachments.filter(feedback__isnull=True)),
        "sent_on": timezone.localtime(referral.sent_at) if referral.sent_at else None,
        # The receiving agency's questions go to the person who wrote the referral.
        "contact": referral.author,
    }


def _feedback_context(referral: Referral) -> dict[str, Any]:
    feedback = [
        {
            "outcome": item.get_outcome_display(),
            "text": mask_personal_numbers(item.text),
            "given_at": timezone.localtime(item.given_at),
            "attachments": list(item.attachments.all()),
        }
        for item in referral.feedback.select_related("agency").prefetch_related("attachments")
    ]
    return {**_common(referral), "feedback": feedback}


def _load(pk: Any) -> Referral:
    return Referral.objects.select_related(
        "sender_agency", "receiver_agency", "case__employer", "author"
    ).get(pk=pk)


REFERRAL_LETTER = DocumentKind(
    key=LETTER,
    template="referrals/pdf/referral_letter.html",
    title=lambda referral: _("Referral letter %(number)s") % {"number": referral.number},
    context=lambda referral: _letter_context(_load(referral.pk)),
    access=access_referral,
    owner_model=Referral,
)

FEEDBACK_LETTER_KIND = DocumentKind(
    key=FEEDBACK_LETTER,
    template="referrals/pdf/feedback_letter.html",
    title=lambda referral: _("Feedback letter on %(number)s") % {"number": referral.number},
    context=lambda referral: _feedback_context(_load(referral.pk)),
    access=access_referral,
    owner_model=Referral,
)

register_document_kind(REFERRAL_LETTER)
register_document_kind(FEEDBACK_LETTER_KIND)
