"""What a clue leads to without retyping: a referral to arbitration or to the procuratorate,
drafted by the referrals' own services with the clue's subject, text and files; and the link
to a clue of the same matter (flagged by selectors.clue_possible_duplicates, never merged)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from portal.core.models import Agency, User
from portal.referrals.models import Referral, ReferralKind
from portal.referrals.services import ReferralData, referral_attachment_add, referral_create

from ..models import Clue
from ..permissions import MOVES, Move

# The kinds a clue may be referred as, and to whom.
REFERRAL_KINDS: dict[str, str] = {
    ReferralKind.DISPUTE: Agency.ARBITRATION,
    ReferralKind.WAGE_REFUSAL_CRIME: Agency.PROCURATORATE,
    ReferralKind.FALSE_ARBITRATION_CLUE: Agency.PROCURATORATE,
}


def _summary(clue: Clue) -> str:
    lines = [clue.text.strip(), ""]
    facts = [
        (_("Source"), f"{clue.get_source_display()} {clue.source_reference}".strip()),
        (_("Received at"), clue.received_at.strftime("%Y-%m-%d")),
        (_("Construction project"), clue.project_name),
        (_("Main contractor"), clue.main_contractor),
        (_("Crew leader"), clue.crew_leader),
        (_("Street"), clue.street),
    ]
    lines += [f"{label}：{value}" for label, value in facts if value]
    return "\n".join(lines)


@transaction.atomic
def clue_refer(*, actor: User, clue: Clue, expected_version: int, kind: str) -> Referral:
    """Draft a referral of `kind` from the clue (its employer, workers, amount, text and
    files), linked to it; the author sends it from the referral's page."""
    clue = MOVES.begin(actor, clue, Move.REFER, expected_version)
    if kind not in REFERRAL_KINDS:
        raise ApplicationError(_("Choose what the clue is referred as."), field="kind")
    receiver = Agency.objects.get(code=REFERRAL_KINDS[kind])
    referral = referral_create(
        actor=actor,
        data=ReferralData(
            receiver=receiver,
            kind=kind,
            summary=_summary(clue),
            employer_name=clue.employer_name,
            employer_credit_code=clue.employer_credit_code,
            workers=clue.workers,
            amount_owed=clue.amount_owed,
        ),
    )
    for attachment in clue.attachments.all():
        with attachment.file.open("rb") as stored:
            upload = SimpleUploadedFile(
                attachment.original_name, stored.read(), attachment.content_type
            )
        referral_attachment_add(actor=actor, referral=referral, upload=upload)
    clue.referrals.add(referral)
    MOVES.finish(
        actor, clue, Move.REFER, note=f"{referral.get_kind_display()} → {receiver.short_name}"
    )
    return referral


@transaction.atomic
def clue_link_duplicate(*, actor: User, clue: Clue, expected_version: int, other: Clue) -> Clue:
    """Record that `clue` is the same matter as `other`: both stay, each shows the link."""
    clue = MOVES.begin(actor, clue, Move.LINK_DUPLICATE, expected_version)
    if other.pk == clue.pk or other.duplicate_of_id == clue.pk:
        raise ApplicationError(_("A clue cannot be linked to itself."), field="other")
    clue.duplicate_of = other
    MOVES.finish(actor, clue, Move.LINK_DUPLICATE, fields=["duplicate_of"], note=str(other))
    return clue
