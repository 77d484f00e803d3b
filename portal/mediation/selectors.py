"""Reads of mediations."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portal.cases.models import Case, CaseStatus
from portal.cases.permissions import cases_visible_to
from portal.core.deadlines import deadlines_of
from portal.core.models import Appointment, AppointmentKind, Deadline, DocumentStatus, Role, User
from portal.core.roles import agency_members

from .models import (
    Agreement,
    EmployerLink,
    Instalment,
    InstalmentStatus,
    Mediation,
    MediationSession,
    MediationStatus,
    SessionStatus,
)
from .permissions import mediations_visible_to

# 《劳动争议调解仲裁法》 art. 14: without an agreement within 15 days of the request the
# claimant may go to arbitration.
TERM_POLICY = "mediation.term"
# 《人民调解法》 art. 33: the parties apply jointly within 30 days of the agreement taking effect.
COURT_WINDOW_POLICY = "court_confirmation.window"


def mediation_list(*, user: User) -> QuerySet[Mediation]:
    """The mediations of the cases the user may see, newest first, in one query."""
    return (
        mediations_visible_to(user)
        .select_related("case", "mediator")
        .order_by("-created_at", "-id")
    )


def cases_awaiting_mediation(*, user: User) -> QuerySet[Case]:
    """Cases the user may see that were routed to mediation and have none opened yet, oldest
    first: the top of the mediation list."""
    return (
        cases_visible_to(user)
        .filter(status=CaseStatus.MEDIATION_PENDING, mediation__isnull=True)
        .select_related("employer")
        .order_by("decided_at", "pk")
    )


def mediator_choices(mediation: Mediation) -> QuerySet[User]:
    """Who may be assigned today: the committee's mediators and the special mediators it
    appointed whose appointment is valid today."""
    today = timezone.localdate()
    appointed = Appointment.objects.filter(
        appointing_agency=mediation.agency,
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        ended_at__isnull=True,
        valid_from__lte=today,
        valid_until__gte=today,
    ).values("user")
    own = agency_members(mediation.agency, Role.MEDIATOR).order_by().values("pk")
    return User.objects.filter(Q(pk__in=own) | Q(pk__in=appointed), is_active=True).order_by(
        "username"
    )


def mediation_of_case(case: Case) -> Mediation | None:
    """The mediation of a case the caller may see, if it has one."""
    return Mediation.objects.filter(case=case).first()


def term_deadline(mediation: Mediation) -> Deadline | None:
    """The running 15-day term (art. 14), if it runs."""
    return deadlines_of(mediation).filter(policy__key=TERM_POLICY, met_at__isnull=True).first()


def court_window(mediation: Mediation) -> Deadline | None:
    """The 30 days for a joint application to the court, while they run."""
    return (
        deadlines_of(mediation).filter(policy__key=COURT_WINDOW_POLICY, met_at__isnull=True).first()
    )


def agreement_confirmed_by_both(agreement: Agreement | None) -> bool:
    """Both parties confirmed the current PDF (the frozen text)."""
    document = agreement.document if agreement is not None else None
    return bool(
        agreement is not None
        and document is not None
        and document.sha256
        and agreement.claimant_confirmed_sha256 == document.sha256
        and agreement.employer_confirmed_sha256 == document.sha256
    )


def mediation_stage(mediation: Mediation) -> dict[str, bool]:
    """What the page shows of the state, beyond the moves: why it failed, and the parties'
    confirmations once the mediation ended in agreement."""
    return {
        "failed": mediation.status == MediationStatus.FAILED,
        "shows_confirmations": mediation.status != MediationStatus.MEDIATING,
    }


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def employer_link_token(link: EmployerLink) -> str:
    """The link's token, derived from the row with the site's secret key: staff can be shown it
    again until it is used, while the database alone (which keeps only the digest) cannot
    give it away."""
    return salted_hmac(
        "mediation.employer-link", f"{link.pk}:{link.created_at.isoformat()}", algorithm="sha256"
    ).hexdigest()


def employer_link_shown(agreement: Agreement) -> str | None:
    """The token of the agreement's link that still works, to show again; None without one
    (or for a link made before tokens were derived, or under an earlier secret key)."""
    link = (
        agreement.links.filter(
            used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if link is None:
        return None
    token = employer_link_token(link)
    return token if token_digest(token) == link.token_sha256 else None


def employer_link_get(token: str) -> EmployerLink | None:
    """The link of this token if it may still be used; None for a wrong, used, voided or
    expired one (all look the same from outside)."""
    if not token or len(token) > 100:
        return None
    return (
        EmployerLink.objects.select_related(
            "agreement__document", "agreement__mediation__case__employer"
        )
        .filter(
            token_sha256=token_digest(token),
            used_at__isnull=True,
            voided_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@dataclass
class ClaimantMediation:
    """The mediation of a case, in plain words for the claimant's status page."""

    stage: str
    explanation: str
    agreement: Agreement | None = None
    instalments: list[Instalment] = field(default_factory=list)
    sha256: str = ""
    can_confirm: bool = False
    claimant_confirmed: bool = False
    employer_confirmed: bool = False
    next_session: MediationSession | None = None
    shares: list[WorkerShare] = field(default_factory=list)
    effective: bool = False
    missed: bool = False
    statement_number: str = ""


def claimant_agreement(case: Case) -> Agreement | None:
    """The agreement of the claimant's case, with its document, if one was drafted."""
    return Agreement.objects.select_related("document").filter(mediation__case=case).first()


def claimant_mediation(case: Case) -> ClaimantMediation | None:
    mediation = (
        Mediation.objects.select_related("mediator", "agreement__document")
        .filter(case=case)
        .first()
    )
    if mediation is None:
        return None
    if mediation.status == MediationStatus.UNASSIGNED:
        return ClaimantMediation(
            _("Mediation: waiting for a mediator"),
            _("The committee is choosing the mediator for your dispute."),
        )
    if mediation.status == MediationStatus.MEDIATING:
        return ClaimantMediation(
            _("Mediation: in progress"),
            _("The mediator talks with you and the employer to find an agreement."),
            next_session=mediation.sessions.filter(
                status=SessionStatus.SCHEDULED, scheduled_for__gte=timezone.now()
            ).first(),
        )
    if mediation.status == MediationStatus.FAILED:
        return ClaimantMediation(
            _("Mediation: no agreement"),
            _("Mediation did not succeed. Your case goes on to arbitration; nothing to refile."),
        )
    agreement = getattr(mediation, "agreement", None)
    document = agreement.document if agreement else None
    ready = bool(document and document.status == DocumentStatus.READY and document.sha256)
    view = ClaimantMediation(
        _("Mediation: agreement reached"),
        _("Read the agreement below. It binds once you and the employer both confirm it."),
        agreement=agreement,
        instalments=list(agreement.instalments.all()) if agreement else [],
        sha256=document.sha256 if ready and document else "",
        shares=worker_shares(agreement),
    )
    if agreement is not None:
        view.claimant_confirmed = agreement.claimant_confirmed_at is not None
        view.employer_confirmed = agreement.employer_confirmed_at is not None
        view.can_confirm = ready and not view.claimant_confirmed
        if view.claimant_confirmed and view.employer_confirmed:
            view.explanation = _("You and the employer both confirmed the agreement.")
        elif view.claimant_confirmed:
            view.explanation = _("You confirmed the agreement. The employer has yet to confirm.")
        view.effective = agreement.effective_at is not None
        view.missed = any(item.status == InstalmentStatus.MISSED for item in view.instalments)
        view.statement_number = agreement.statement_number
    if mediation.status == MediationStatus.COURT_APPLIED:
        view.stage = _("Mediation: the court is confirming the agreement")
        view.explanation = _("You and the employer applied to the court to confirm it.")
    elif mediation.status == MediationStatus.CONFIRMED:
        view.stage = _("Mediation: agreement confirmed")
        view.explanation = _(
            "The agreement is confirmed and enforceable. The payments are shown below."
        )
    elif mediation.status == MediationStatus.COURT_REJECTED:
        view.stage = _("Mediation: the court did not confirm the agreement")
        view.explanation = _("The mediator will tell you what you can do next.")
    return view


@dataclass(frozen=True)
class WorkerShare:
    """One worker's part of an agreement: their share, and how much of it the payments
    recorded so far carried (the instalments are split in the shares' proportions)."""

    name: str
    amount: Decimal
    paid: Decimal
    claimant_id: int = 0


CENT = Decimal("0.01")


def worker_shares(agreement: Agreement | None) -> list[WorkerShare]:
    """The workers' shares of a collective agreement, by name only: no ID or phone number, so
    that one worker's page never shows another's personal numbers. Empty for one worker."""
    if agreement is None:
        return []
    shares = list(agreement.shares.select_related("claimant"))
    if len(shares) < 2:
        return []
    paid = sum(
        (item.paid_amount or item.amount for item in agreement.instalments.all() if item.paid_on),
        Decimal("0"),
    )
    total = agreement.total_amount
    return [
        WorkerShare(
            name=share.claimant.name,
            amount=share.amount,
            paid=(paid * share.amount / total).quantize(CENT, rounding=ROUND_HALF_UP),
            claimant_id=share.claimant_id,
        )
        for share in shares
    ]
