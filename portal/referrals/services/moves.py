"""The moves of a referral: one service per move, each through the move table (permissions.MOVES:
lock, role, version, state; audit row; effects after commit)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.services import case_co_handling_end, case_co_handling_start
from portal.core.deadlines import deadline_meet, deadline_start, deadlines_of
from portal.core.errors import ApplicationError
from portal.core.models import Agency, Role, User
from portal.core.notifications import notify
from portal.core.numbering import number_take
from portal.core.roles import agency_members
from portal.core.stored_text import stored_text

from ..models import (
    CO_HANDLING_STATES,
    FeedbackOutcome,
    Referral,
    ReferralFeedback,
    ReferralKind,
    feedback_outcomes,
)
from ..permissions import (
    MOVES,
    Move,
    grant_referral_to_agency,
)
from .common import ACKNOWLEDGE_POLICY, FEEDBACK_POLICY, NUMBER_SERIES, SUPPLEMENT_POLICY
from .drafting import check_file, store_file

# --- the moves ---------------------------------------------------------------------------------


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
        gettext_lazy("New referral %(number)s from %(agency)s"),
        gettext_lazy("%(kind)s concerning %(employer)s awaits acknowledgement."),
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
        gettext_lazy("Referral %(number)s sent again with more material"),
        gettext_lazy("%(kind)s concerning %(employer)s awaits acknowledgement."),
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
        gettext_lazy("Referral %(number)s was withdrawn"),
        gettext_lazy("%(agency)s withdrew the referral."),
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
        gettext_lazy("Referral %(number)s was acknowledged"),
        gettext_lazy("%(receiver)s acknowledged the referral."),
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
        gettext_lazy("Referral %(number)s was accepted"),
        gettext_lazy("%(receiver)s accepted the referral and will report back."),
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
        gettext_lazy("Referral %(number)s was returned"),
        gettext_lazy("%(receiver)s returned the referral: %(reason)s"),
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
        gettext_lazy("Referral %(number)s: more material requested"),
        gettext_lazy("%(receiver)s asks for: %(reason)s"),
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
    MOVES.finish(actor, referral, Move.GIVE_FEEDBACK, note=_outcome(feedback))
    _after_commit_notify(
        referral,
        [referral.author],
        gettext_lazy("Feedback on referral %(number)s"),
        gettext_lazy("%(receiver)s reported: %(reason)s"),
        reason=FeedbackOutcome(feedback.outcome).label,
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
    if outcome not in feedback_outcomes(agency.code):
        raise ApplicationError(_("Choose the outcome."), field="outcome")
    text = _required(text, _("Describe what was done."), field="text")
    # Every file is checked before anything is stored: one bad file refuses the feedback.
    checked = [(upload, check_file(upload)) for upload in uploads]
    feedback = ReferralFeedback.objects.create(
        referral=referral, outcome=outcome, text=text, agency=agency, given_by=actor
    )
    for upload, result in checked:
        store_file(referral, upload, result, actor=actor, feedback=feedback)
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
        gettext_lazy("Referral %(number)s: more feedback requested"),
        gettext_lazy("%(agency)s asks for: %(reason)s"),
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
        gettext_lazy("Referral %(number)s was closed"),
        gettext_lazy("%(agency)s closed the referral after the feedback."),
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
        gettext_lazy("Referral %(number)s was reopened"),
        gettext_lazy("%(agency)s reopened the referral: %(reason)s"),
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
    MOVES.finish(actor, referral, Move.RECORD_OUTCOME, note=_outcome(feedback))
    return feedback


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
    title: Promise,
    body: Promise,
    *,
    reason: str | Promise = "",
) -> None:
    values = {
        "number": referral.number,
        "agency": referral.sender_agency.label,
        "receiver": referral.receiver_agency.label,
        "kind": ReferralKind(referral.kind).label,
        "employer": referral.employer_name,
        "reason": reason,
    }
    active = [user for user in recipients if user.is_active]
    transaction.on_commit(
        lambda: notify(
            recipients=active,
            title=stored_text(title, **values),
            body=stored_text(body, **values),
            url=referral_url(referral),
        )
    )


def _outcome(feedback: ReferralFeedback) -> str:
    """The history note of a feedback: its outcome, shown in the reader's language."""
    return stored_text(FeedbackOutcome(feedback.outcome).label)
