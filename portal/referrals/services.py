"""Writes on referrals: one service per move, each checking the move, the role and the page's
version under a row lock, writing its audit event and scheduling its side effects after
commit. The role rules are data in permissions.MOVES."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.cases.models import Case
from portal.cases.permissions import cases_visible_to
from portal.cases.services import case_co_handling_end, case_co_handling_start
from portal.core.audit import audit_record
from portal.core.deadlines import deadline_meet, deadline_start, deadlines_of
from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.models import Agency, Document, Role, User
from portal.core.notifications import notify
from portal.core.numbering import number_take
from portal.core.roles import agency_members
from portal.core.uploads import CheckedUpload, check_upload
from portal.core.validators import normalize_credit_code, validate_credit_code

from .models import (
    CO_HANDLING_STATES,
    FeedbackOutcome,
    Referral,
    ReferralAttachment,
    ReferralFeedback,
    ReferralKind,
    ReferralStatus,
    Urgency,
    kind_allows_receiver,
)
from .permissions import (
    MOVES,
    Move,
    can_draft,
    can_edit,
    grant_referral_to_agency,
)

ACKNOWLEDGE_POLICY = "referral.acknowledge"
FEEDBACK_POLICY = "referral.feedback"
SUPPLEMENT_POLICY = "referral.supplement"
NUMBER_SERIES = "referral"

LETTER = "referral_letter"
FEEDBACK_LETTER = "referral_feedback_letter"


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
    referral = _lock(referral)
    if not can_edit(actor, referral):
        if referral.status in (ReferralStatus.DRAFT, ReferralStatus.SUPPLEMENT_REQUESTED):
            raise ApplicationError(_("Only staff of the sending agency can change the referral."))
        raise ApplicationError(_("A referral can only be changed while it is a draft."))
    _check_version(referral, expected_version)
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
    referral = _lock(referral)
    if not can_edit(actor, referral):
        raise ApplicationError(
            _(
                "Files can be added by staff of the sending agency while it is a draft "
                "or more material was asked for."
            )
        )
    checked = _check(upload)
    attachment = _store(referral, upload, checked, actor=actor, description=description)
    audit_record(
        actor=actor, action="referral.attachment_add", obj=referral, note=attachment.original_name
    )
    return attachment


def _check(upload: UploadedFile) -> CheckedUpload:
    try:
        return check_upload(upload)
    except ValidationError as exc:
        name = upload.name or ""
        raise ApplicationError(f"{name}: {exc.messages[0]}".lstrip(": "), field="file") from exc


def _store(
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


# --- the moves ---------------------------------------------------------------------------------


def _lock(referral: Referral) -> Referral:
    return MOVES.lock(referral)


def _check_version(referral: Referral, expected_version: int) -> None:
    if referral.version != expected_version:
        raise ApplicationError(str(MOVES.stale))


def _required(text: str, message: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message, field=field)
    return text


@transaction.atomic
def referral_send(*, actor: User, referral: Referral, expected_version: int) -> Referral:
    """Send a draft: it gets its number, the receiver sees it (and the linked case), and the
    acknowledgement clock starts."""
    referral = MOVES.begin(actor, referral, Move.SEND, expected_version)
    now = timezone.now()
    _take_number(referral, now)
    referral.sent_at = now
    grant_referral_to_agency(referral, referral.receiver_agency)
    _start_co_handling(referral)
    deadline_start(policy_key=ACKNOWLEDGE_POLICY, subject=referral, start=now)
    MOVES.finish(
        actor,
        referral,
        Move.SEND,
        fields=["number", "sent_at", "started_co_handling"],
        note=referral.number,
    )
    _after_commit_notify(
        referral,
        _admins(referral.receiver_agency),
        _("New referral %(number)s from %(agency)s"),
        _("%(kind)s concerning %(employer)s awaits acknowledgement."),
    )
    return referral


@transaction.atomic
def referral_resend(*, actor: User, referral: Referral, expected_version: int) -> Referral:
    """Send again with the material asked for; the acknowledgement clock starts afresh."""
    referral = MOVES.begin(actor, referral, Move.RESEND, expected_version)
    deadline_meet(policy_key=SUPPLEMENT_POLICY, subject=referral)
    deadline_start(policy_key=ACKNOWLEDGE_POLICY, subject=referral, start=timezone.now())
    MOVES.finish(actor, referral, Move.RESEND)
    _after_commit_notify(
        referral,
        _admins(referral.receiver_agency),
        _("Referral %(number)s sent again with more material"),
        _("%(kind)s concerning %(employer)s awaits acknowledgement."),
    )
    return referral


@transaction.atomic
def referral_withdraw(
    *, actor: User, referral: Referral, expected_version: int, reason: str = ""
) -> Referral:
    """Take a referral back before the receiver acknowledged it."""
    referral = MOVES.begin(actor, referral, Move.WITHDRAW, expected_version)
    _stop_clocks(referral)
    _end_co_handling(referral)
    MOVES.finish(actor, referral, Move.WITHDRAW, note=reason.strip())
    _after_commit_notify(
        referral,
        _admins(referral.receiver_agency),
        _("Referral %(number)s was withdrawn"),
        _("%(agency)s withdrew the referral."),
    )
    return referral


@transaction.atomic
def referral_acknowledge(*, actor: User, referral: Referral, expected_version: int) -> Referral:
    """The receiver confirms it has the referral (签收)."""
    referral = MOVES.begin(actor, referral, Move.ACKNOWLEDGE, expected_version)
    deadline_meet(policy_key=ACKNOWLEDGE_POLICY, subject=referral)
    MOVES.finish(actor, referral, Move.ACKNOWLEDGE)
    _after_commit_notify(
        referral,
        [referral.author],
        _("Referral %(number)s was acknowledged"),
        _("%(receiver)s acknowledged the referral."),
    )
    return referral


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral, expected_version: int) -> Referral:
    """The receiver takes the matter on; the feedback clock starts."""
    referral = MOVES.begin(actor, referral, Move.ACCEPT, expected_version)
    deadline_start(policy_key=FEEDBACK_POLICY, subject=referral, start=timezone.now())
    MOVES.finish(actor, referral, Move.ACCEPT)
    _after_commit_notify(
        referral,
        [referral.author],
        _("Referral %(number)s was accepted"),
        _("%(receiver)s accepted the referral and will report back."),
    )
    return referral


@transaction.atomic
def referral_return(
    *, actor: User, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """The receiver declines the matter, with its reason; the case is no longer shared."""
    referral = MOVES.begin(actor, referral, Move.RETURN, expected_version)
    referral.return_reason = _required(reason, _("Give the reason for returning the referral."))
    _stop_clocks(referral)
    _end_co_handling(referral)
    MOVES.finish(
        actor, referral, Move.RETURN, fields=["return_reason"], note=referral.return_reason
    )
    _after_commit_notify(
        referral,
        [referral.author, *_admins(referral.sender_agency)],
        _("Referral %(number)s was returned"),
        _("%(receiver)s returned the referral: %(reason)s"),
        reason=referral.return_reason,
    )
    return referral


@transaction.atomic
def referral_request_supplement(
    *, actor: User, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """Before deciding, the receiver asks the sender for more material (back to the sender)."""
    referral = MOVES.begin(actor, referral, Move.REQUEST_SUPPLEMENT, expected_version)
    referral.supplement_request = _required(reason, _("Say what material is missing."))
    deadline_start(policy_key=SUPPLEMENT_POLICY, subject=referral, start=timezone.now())
    MOVES.finish(
        actor,
        referral,
        Move.REQUEST_SUPPLEMENT,
        fields=["supplement_request"],
        note=referral.supplement_request,
    )
    _after_commit_notify(
        referral,
        [referral.author],
        _("Referral %(number)s: more material requested"),
        _("%(receiver)s asks for: %(reason)s"),
        reason=referral.supplement_request,
    )
    return referral


@transaction.atomic
def referral_give_feedback(
    *,
    actor: User,
    referral: Referral,
    expected_version: int,
    outcome: str,
    text: str,
    uploads: Sequence[UploadedFile] = (),
) -> ReferralFeedback:
    """The receiver reports what it did: an outcome, text and files."""
    referral = MOVES.begin(actor, referral, Move.GIVE_FEEDBACK, expected_version)
    feedback = _feedback(actor, referral, outcome, text, uploads, agency=referral.receiver_agency)
    deadline_meet(policy_key=FEEDBACK_POLICY, subject=referral)
    deadline_meet(policy_key=SUPPLEMENT_POLICY, subject=referral)
    MOVES.finish(actor, referral, Move.GIVE_FEEDBACK, note=feedback.get_outcome_display())
    _after_commit_notify(
        referral,
        [referral.author],
        _("Feedback on referral %(number)s"),
        _("%(receiver)s reported: %(reason)s"),
        reason=feedback.get_outcome_display(),
    )
    return feedback


def _feedback(
    actor: User,
    referral: Referral,
    outcome: str,
    text: str,
    uploads: Sequence[UploadedFile],
    *,
    agency: Agency,
) -> ReferralFeedback:
    if outcome not in FeedbackOutcome.values:
        raise ApplicationError(_("Choose the outcome."), field="outcome")
    text = _required(text, _("Describe what was done."), field="text")
    # Every file is checked before anything is stored: one bad file refuses the feedback.
    checked = [(upload, _check(upload)) for upload in uploads]
    feedback = ReferralFeedback.objects.create(
        referral=referral, outcome=outcome, text=text, agency=agency, given_by=actor
    )
    for upload, result in checked:
        _store(referral, upload, result, actor=actor, feedback=feedback)
    return feedback


@transaction.atomic
def referral_request_more(
    *, actor: User, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """The sender is not satisfied with the feedback: the receiver handles it further and
    reports again within the supplement period."""
    referral = MOVES.begin(actor, referral, Move.REQUEST_MORE, expected_version)
    reason = _required(reason, _("Say what more you need."))
    deadline_start(policy_key=SUPPLEMENT_POLICY, subject=referral, start=timezone.now())
    MOVES.finish(actor, referral, Move.REQUEST_MORE, note=reason)
    _after_commit_notify(
        referral,
        [*_admins(referral.receiver_agency), *_feedback_givers(referral)],
        _("Referral %(number)s: more feedback requested"),
        _("%(agency)s asks for: %(reason)s"),
        reason=reason,
    )
    return referral


@transaction.atomic
def referral_close(*, actor: User, referral: Referral, expected_version: int) -> Referral:
    """The sender is satisfied with the feedback."""
    referral = MOVES.begin(actor, referral, Move.CLOSE, expected_version)
    _stop_clocks(referral)
    MOVES.finish(actor, referral, Move.CLOSE)
    _after_commit_notify(
        referral,
        [*_admins(referral.receiver_agency), *_feedback_givers(referral)],
        _("Referral %(number)s was closed"),
        _("%(agency)s closed the referral after the feedback."),
    )
    return referral


@transaction.atomic
def referral_reopen(
    *, actor: User, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """An admin of the sender reopens a closed referral: it is being handled again and the
    feedback clock restarts."""
    referral = MOVES.begin(actor, referral, Move.REOPEN, expected_version)
    reason = _required(reason, _("Give the reason for reopening the referral."))
    deadline_start(policy_key=FEEDBACK_POLICY, subject=referral, start=timezone.now())
    MOVES.finish(actor, referral, Move.REOPEN, note=reason)
    _after_commit_notify(
        referral,
        [*_admins(referral.receiver_agency), *_feedback_givers(referral)],
        _("Referral %(number)s was reopened"),
        _("%(agency)s reopened the referral: %(reason)s"),
        reason=reason,
    )
    return referral


# --- to the police or the court ------------------------------------------------------------------


@transaction.atomic
def referral_record(*, actor: User, referral: Referral, expected_version: int) -> Referral:
    """Record that a referral went to the police or the court (on paper); it gets its number."""
    referral = MOVES.begin(actor, referral, Move.RECORD, expected_version)
    now = timezone.now()
    _take_number(referral, now)
    referral.sent_at = now
    MOVES.finish(actor, referral, Move.RECORD, fields=["number", "sent_at"], note=referral.number)
    return referral


@transaction.atomic
def referral_record_outcome(
    *,
    actor: User,
    referral: Referral,
    expected_version: int,
    outcome: str,
    text: str,
    uploads: Sequence[UploadedFile] = (),
) -> ReferralFeedback:
    """Record what the police or the court did with it."""
    referral = MOVES.begin(actor, referral, Move.RECORD_OUTCOME, expected_version)
    feedback = _feedback(actor, referral, outcome, text, uploads, agency=referral.receiver_agency)
    MOVES.finish(actor, referral, Move.RECORD_OUTCOME, note=feedback.get_outcome_display())
    return feedback


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


# --- helpers -------------------------------------------------------------------------------------


def _take_number(referral: Referral, now: datetime.datetime) -> None:
    if referral.number:  # numbered when first sent; a re-sent referral keeps its number
        return
    referral.number = number_take(agency=referral.sender_agency, series=NUMBER_SERIES, now=now)


def _start_co_handling(referral: Referral) -> None:
    """Share the linked case with the receiver while the referral runs."""
    case, receiver = referral.case, referral.receiver_agency
    if case is None or case.agency_id == receiver.pk:
        return
    if not case.co_handling_agencies.filter(pk=receiver.pk).exists():
        case_co_handling_start(actor=None, case=case, agency=receiver, note=referral.number)
        referral.started_co_handling = True
        return
    # Shared already: by another referral (this one then shares the duty to end it), or by an
    # admin of the owning agency (then sharing is not the referrals' to end).
    referral.started_co_handling = Referral.objects.filter(
        case=case, receiver_agency=receiver, started_co_handling=True
    ).exists()


def _end_co_handling(referral: Referral) -> None:
    """A returned or withdrawn referral takes back the case it shared, unless another
    running referral of the same case to the same agency still needs it."""
    if referral.case is None or not referral.started_co_handling:
        return
    others = Referral.objects.filter(
        case=referral.case_id,
        receiver_agency=referral.receiver_agency_id,
        status__in=CO_HANDLING_STATES,
    ).exclude(pk=referral.pk)
    if others.exists():
        return
    case_co_handling_end(
        actor=None, case=referral.case, agency=referral.receiver_agency, note=referral.number
    )


def _stop_clocks(referral: Referral) -> None:
    deadlines_of(referral).filter(met_at__isnull=True).update(met_at=timezone.now())


def _admins(agency: Agency) -> list[User]:
    return list(agency_members(agency, Role.AGENCY_ADMIN))


def _feedback_givers(referral: Referral) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=referral.feedback.values("given_by"),
            is_active=True,
            membership__agency=referral.receiver_agency,
            membership__active=True,
        )
    )


def referral_url(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"pk": referral.pk})


def _after_commit_notify(
    referral: Referral,
    recipients: Sequence[User],
    title: str,
    body: str,
    *,
    reason: str = "",
) -> None:
    values = {
        "number": referral.number,
        "agency": referral.sender_agency.short_name,
        "receiver": referral.receiver_agency.short_name,
        "kind": referral.get_kind_display(),
        "employer": referral.employer_name,
        "reason": reason,
    }
    active = [user for user in recipients if user.is_active]
    transaction.on_commit(
        lambda: notify(
            recipients=active,
            title=title % values,
            body=body % values,
            url=referral_url(referral),
        )
    )
