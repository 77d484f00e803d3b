"""Drafting a referral: its data checked against the domain's rules, its files."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.cases.models import Case
from portal.cases.permissions import cases_visible_to
from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import Agency, User
from portal.core.uploads import CheckedUpload, upload_accepted
from portal.core.validators import normalize_credit_code, validate_credit_code

from ..models import (
    Referral,
    ReferralAttachment,
    ReferralFeedback,
    ReferralKind,
    ReferralStatus,
    Urgency,
    kind_allows_receiver,
)
from ..permissions import (
    MOVES,
    can_draft,
    can_edit,
    grant_referral_to_agency,
)


@dataclass
class ReferralData:
    """What the form gives: the receiver, the type, the subject and the text."""

    receiver: Agency
    kind: str
    summary: str
    legal_basis: str = ""
    urgency: str = Urgency.NORMAL
    case: Case | None = None
    employer_name: str = ""
    employer_credit_code: str = ""
    workers: int | None = None
    amount_owed: Decimal | None = None


# --- drafting ----------------------------------------------------------------------------------


@transaction.atomic
def referral_create(*, actor: User, data: ReferralData) -> Referral:
    """Draft a referral from the actor's agency; only that agency sees it until it is sent."""
    if not can_draft(actor):
        raise ApplicationError(_("Only staff with a working role can draft referrals."))
    sender = actor.agency
    assert sender is not None  # can_draft checked it
    referral = Referral(sender_agency=sender, author=actor)
    _apply_data(referral, data, actor=actor)
    referral.save()
    grant_referral_to_agency(referral, sender)
    audit_record(actor=actor, action="referral.create", obj=referral, status_after=referral.status)
    return referral


@transaction.atomic
def referral_update(
    *, actor: User, referral: Referral, expected_version: int, data: ReferralData
) -> Referral:
    """Change a draft, or a referral sent back for more material (then not its receiver or
    type: the receiver has already seen it)."""
    referral = MOVES.lock(referral)
    if not can_edit(actor, referral):
        if referral.status in (ReferralStatus.DRAFT, ReferralStatus.SUPPLEMENT_REQUESTED):
            raise ApplicationError(_("Only staff of the sending agency can change the referral."))
        raise ApplicationError(_("A referral can only be changed while it is a draft."))
    if referral.version != expected_version:
        raise ApplicationError(str(MOVES.stale))
    if referral.status != ReferralStatus.DRAFT and (
        data.receiver.pk != referral.receiver_agency_id
        or data.kind != referral.kind
        or (data.case.pk if data.case else None) != referral.case_id
    ):
        raise ApplicationError(
            _(
                "The receiving agency, the type and the linked case cannot change once the "
                "referral was sent."
            ),
            field="receiver",
        )
    _apply_data(referral, data, actor=actor)
    referral.version += 1
    referral.save()
    audit_record(actor=actor, action="referral.update", obj=referral)
    return referral


def _apply_data(referral: Referral, data: ReferralData, *, actor: User) -> None:
    """Check the data against the domain's rules and copy it onto the referral."""
    sender = referral.sender_agency
    receiver = data.receiver
    if receiver.pk == sender.pk:
        raise ApplicationError(_("A referral cannot go to one's own agency."), field="receiver")
    if data.kind not in ReferralKind.values:
        raise ApplicationError(_("Choose the type of referral."), field="kind")
    if not kind_allows_receiver(data.kind, receiver.code):
        raise ApplicationError(
            _("A referral of the type “%(kind)s” cannot go to %(agency)s.")
            % {"kind": ReferralKind(data.kind).label, "agency": receiver.short_name},
            field="kind",
        )
    if data.urgency not in Urgency.values:
        raise ApplicationError(_("Choose the urgency."), field="urgency")
    summary = data.summary.strip()
    if not summary:
        raise ApplicationError(_("Describe the matter in the summary."), field="summary")
    if data.workers is not None and data.workers < 1:
        raise ApplicationError(_("The number of workers must be at least 1."), field="workers")
    if data.amount_owed is not None and data.amount_owed < 0:
        raise ApplicationError(_("The amount owed cannot be negative."), field="amount_owed")
    workers, amount = data.workers, data.amount_owed
    if data.case is not None:
        case = data.case
        if not cases_visible_to(actor).filter(pk=case.pk).exists():
            raise ApplicationError(_("You cannot see this case."), field="case")
        name, code = case.employer.name, case.employer.credit_code
        # The letter describes the case as it is when drafted unless staff say otherwise.
        if workers is None:
            workers = case.claimants.count()
        if amount is None:
            amount = case.total_claimed
    else:
        name = data.employer_name.strip()
        code = normalize_credit_code(data.employer_credit_code)
        if not name:
            raise ApplicationError(_("Name the employer, or link a case."), field="employer_name")
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="employer_credit_code") from exc
    referral.receiver_agency = receiver
    referral.is_external = not receiver.is_member
    referral.kind = data.kind
    referral.case = data.case
    referral.employer_name = name
    referral.employer_credit_code = code
    referral.workers = workers
    referral.amount_owed = amount
    referral.summary = summary
    referral.legal_basis = data.legal_basis.strip()
    referral.urgency = data.urgency


@transaction.atomic
def referral_attachment_add(
    *, actor: User, referral: Referral, upload: UploadedFile, description: str = ""
) -> ReferralAttachment:
    """Attach a file to a draft, or to a referral sent back for more material."""
    referral = MOVES.lock(referral)
    if not can_edit(actor, referral):
        raise ApplicationError(
            _(
                "Files can be added by staff of the sending agency while it is a draft "
                "or more material was asked for."
            )
        )
    checked = check_file(upload)
    attachment = store_file(referral, upload, checked, actor=actor, description=description)
    audit_record(
        actor=actor, action="referral.attachment_add", obj=referral, note=attachment.original_name
    )
    return attachment


def check_file(upload: UploadedFile) -> CheckedUpload:
    return upload_accepted(upload, field="file", named=True)


def store_file(
    referral: Referral,
    upload: UploadedFile,
    checked: CheckedUpload,
    *,
    actor: User,
    description: str = "",
    feedback: ReferralFeedback | None = None,
) -> ReferralAttachment:
    attachment = ReferralAttachment(
        referral=referral,
        feedback=feedback,
        original_name=(upload.name or "upload")[:200],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=description.strip(),
        uploaded_by=actor,
    )
    name = f"{referral.pk}-{checked.sha256[:16]}.{checked.extension}"
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
