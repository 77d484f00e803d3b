"""Writes on mediations: one service per move, each checking the move and the actor's role
under a row lock, writing its audit event and scheduling its notifications after commit.
The role rules are in permissions.py."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.cases.models import Case, CaseAssignment, CaseStatus
from portal.cases.services import (
    case_assign,
    case_assignment_end,
    case_mediation_fail,
    case_mediation_start,
)
from portal.core.audit import audit_record
from portal.core.deadlines import deadline_meet, deadline_start, deadlines_of
from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.models import AppointmentKind, Deadline, DocumentStatus, Role, User
from portal.core.notifications import notify
from portal.core.numbering import number_take
from portal.core.people import appointment_valid_for
from portal.core.roles import agency_members, has_role
from portal.core.uploads import check_upload
from portal.core.validators import normalize_credit_code
from portal.referrals.models import Referral, ReferralKind, ReferralStatus

from .models import (
    OPEN_STATES,
    TRANSITIONS,
    Agreement,
    EmployerLink,
    EnforcementKind,
    Instalment,
    InstalmentStatus,
    Mediation,
    MediationSession,
    MediationSource,
    MediationStatus,
    MediatorConflict,
    PaymentMethod,
    SessionStatus,
    TermExtension,
)
from .permissions import can_conduct, can_open, is_admin, mediating_agency

# 《劳动争议调解仲裁法》 art. 14: without an agreement within 15 days of the request the
# claimant may go to arbitration.
TERM_POLICY = "mediation.term"
# How many days before the term ends the mediator is warned.
TERM_WARNING_DAYS = 3
# A case the committee owns may be mediated from these states: routed to mediation at intake,
# or accepted and sent to mediation by staff.
OPENABLE_CASE_STATES = frozenset({CaseStatus.MEDIATION_PENDING, CaseStatus.ACCEPTED})
AGREEMENT_PDF = "mediation_agreement"
STATEMENT_PDF = "mediation_statement"
COURT_APPLICATION_PDF = "judicial_confirmation_application"
STATEMENT_SERIES = "mediation_statement"
# 《人民调解法》 art. 33: the parties apply jointly within 30 days of the agreement taking effect.
COURT_WINDOW_POLICY = "court_confirmation.window"


def mediation_url(mediation: Mediation) -> str:
    return reverse("mediation:case", kwargs={"pk": mediation.case_id})


def _locked(mediation: Mediation) -> Mediation:
    return (
        Mediation.objects.select_for_update(of=("self",))
        .select_related("case", "agency", "mediator", "appointment")
        .get(pk=mediation.pk)
    )


def _required(text: str, message: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message, field=field)
    return text


def _move(actor: User, mediation: Mediation, target: str, action: str, note: str = "") -> None:
    if target not in TRANSITIONS.get(mediation.status, set()):
        raise ApplicationError(
            _("This cannot be done while the mediation is “%(status)s”.")
            % {"status": mediation.get_status_display()}
        )
    before = mediation.status
    mediation.status = target
    audit_record(
        actor=actor,
        action=action,
        obj=mediation,
        status_before=before,
        status_after=target,
        note=note,
    )


def _notify_after_commit(
    mediation: Mediation, recipients: Sequence[User], title: str, body: str = ""
) -> None:
    active = [user for user in recipients if user.is_active]
    url = mediation_url(mediation)
    transaction.on_commit(lambda: notify(recipients=active, title=title, body=body, url=url))


def _admins(mediation: Mediation) -> list[User]:
    return list(agency_members(mediation.agency, Role.AGENCY_ADMIN))


# --- opening -------------------------------------------------------------------------------------


@transaction.atomic
def mediation_open(
    *,
    actor: User,
    case: Case,
    referral: Referral | None = None,
    requested_on: datetime.date | None = None,
) -> Mediation:
    """Open the mediation of a case: routed to mediation at intake, referred as a dispute, or
    sent by staff; the 15-day term starts from the day mediation was requested."""
    case = Case.objects.select_for_update(of=("self",)).select_related("agency").get(pk=case.pk)
    if not can_open(actor, case):
        raise ApplicationError(
            _(
                "Only mediators, arbitrators and administrators of the arbitration committee open a "
                "mediation, on a case they work."
            )
        )
    if Mediation.objects.filter(case=case).exists():
        raise ApplicationError(_("This case has a mediation already."))
    agency = mediating_agency()
    today = timezone.localdate()
    if requested_on is not None and requested_on > today:
        raise ApplicationError(
            _("The mediation cannot have been requested in the future."), field="requested_on"
        )
    if referral is not None:
        source = MediationSource.REFERRAL
        _check_referral(referral, case)
        assert referral.sent_at is not None
        requested_on = requested_on or timezone.localdate(referral.sent_at)
    elif case.status == CaseStatus.MEDIATION_PENDING:
        source = MediationSource.FILING
        requested_on = requested_on or timezone.localdate(case.decided_at or case.filed_at)
    else:
        source = MediationSource.STAFF
        requested_on = requested_on or today
    if case.agency_id == agency.pk:
        if case.status not in OPENABLE_CASE_STATES:
            raise ApplicationError(
                _("Route the case to mediation at intake (or accept it) before mediating it.")
            )
        case_mediation_start(actor=actor, case=case)
    elif referral is None:
        # Another agency's case reaches the committee's mediators only as a referred dispute.
        raise ApplicationError(_("Another agency's case is mediated on its referral."))
    mediation = Mediation.objects.create(
        case=case,
        agency=agency,
        source=source,
        referral=referral,
        requested_on=requested_on,
        opened_by=actor,
    )
    deadline_start(policy_key=TERM_POLICY, subject=mediation, start=requested_on)
    audit_record(
        actor=actor,
        action="mediation.open",
        obj=mediation,
        status_after=mediation.status,
        note=mediation.get_source_display(),
    )
    _notify_after_commit(
        mediation,
        _admins(mediation),
        _("Mediation of case %(number)s awaits a mediator") % {"number": case.number},
    )
    return mediation


def _check_referral(referral: Referral, case: Case) -> None:
    ok = (
        referral.kind == ReferralKind.DISPUTE
        and referral.case_id == case.pk
        and referral.receiver_agency.code == mediating_agency().code
        and referral.status == ReferralStatus.ACCEPTED
    )
    if not ok:
        raise ApplicationError(
            _("Only an accepted referral of this case as a dispute opens its mediation."),
            field="referral",
        )


# --- the mediator --------------------------------------------------------------------------------


@transaction.atomic
def mediation_assign(*, actor: User, mediation: Mediation, mediator: User) -> Mediation:
    """Give the mediation to a mediator of the committee, or to a special mediator of another
    agency appointed by it and valid today; a declared conflict of interest blocks it."""
    mediation = _locked(mediation)
    if not is_admin(actor, mediation):
        raise ApplicationError(_("Only an administrator of the committee assigns the mediator."))
    if mediation.status not in OPEN_STATES:
        raise ApplicationError(_("This mediation has ended."))
    if mediation.mediator_id == mediator.pk:
        raise ApplicationError(_("This person mediates the case already."), field="mediator")
    conflict = MediatorConflict.objects.filter(mediation=mediation, mediator=mediator).first()
    if conflict is not None:
        raise ApplicationError(
            _("%(name)s declared a conflict of interest in this case: %(reason)s")
            % {
                "name": mediator.get_full_name() or mediator.get_username(),
                "reason": conflict.reason,
            },
            field="mediator",
        )
    appointment = None
    if mediator.agency == mediation.agency:
        if not has_role(mediator, Role.MEDIATOR):
            raise ApplicationError(_("This person is not a mediator."), field="mediator")
    else:
        appointment = appointment_valid_for(mediator, mediation.agency, day=timezone.localdate())
        if appointment is None or appointment.kind != AppointmentKind.SPECIAL_MEDIATOR:
            raise ApplicationError(
                _("This person holds no appointment as special mediator valid today."),
                field="mediator",
            )
        if mediation.case.agency_id != mediation.agency_id:
            raise ApplicationError(
                _("A special mediator mediates only the committee's own cases."), field="mediator"
            )
    _release_mediator(actor, mediation)
    mediation.mediator = mediator
    mediation.appointment = appointment
    mediation.case_assignment = _case_assignment(actor, mediation, mediator)
    if mediation.status == MediationStatus.UNASSIGNED:
        _move(actor, mediation, MediationStatus.MEDIATING, "mediation.assign", mediator.username)
    else:
        audit_record(
            actor=actor, action="mediation.reassign", obj=mediation, note=mediator.username
        )
    mediation.save(
        update_fields=["mediator", "appointment", "case_assignment", "status", "updated_at"]
    )
    _notify_after_commit(
        mediation,
        [mediator],
        _("You mediate case %(number)s") % {"number": mediation.case.number},
    )
    return mediation


def _case_assignment(actor: User, mediation: Mediation, mediator: User) -> CaseAssignment | None:
    """Assign the mediator to the case (a special mediator sees it through this assignment),
    unless they are already; only an assignment made here is ended with the mediation."""
    if mediation.case.agency_id != mediation.agency_id:
        return None  # a referred case: the committee's group sees it while it co-handles
    already = CaseAssignment.objects.filter(
        case=mediation.case, user=mediator, ended_at__isnull=True
    ).exists()
    if already:
        return None
    return case_assign(actor=actor, case=mediation.case, assignee=mediator)


def _release_mediator(actor: User | None, mediation: Mediation) -> None:
    assignment = mediation.case_assignment
    if assignment is not None and assignment.ended_at is None:
        case_assignment_end(actor=None, assignment=assignment, note=_("mediator changed"))
    mediation.case_assignment = None


@transaction.atomic
def mediation_conflict_declare(
    *, actor: User, mediation: Mediation, mediator: User, reason: str
) -> MediatorConflict:
    """Record that a person is linked to a party: they may not mediate this case (and stop, if
    they were mediating it)."""
    mediation = _locked(mediation)
    if actor.pk != mediator.pk and not is_admin(actor, mediation):
        raise ApplicationError(
            _("A conflict of interest is declared by the person concerned or an administrator.")
        )
    reason = _required(reason, _("Say how the person is linked to a party."), "reason")
    if MediatorConflict.objects.filter(mediation=mediation, mediator=mediator).exists():
        raise ApplicationError(_("This conflict of interest is recorded already."))
    conflict = MediatorConflict.objects.create(
        mediation=mediation, mediator=mediator, reason=reason, declared_by=actor
    )
    audit_record(
        actor=actor,
        action="mediation.conflict_declare",
        obj=mediation,
        note=f"{mediator.get_username()}: {reason}",
    )
    if mediation.mediator_id == mediator.pk:
        _release_mediator(actor, mediation)
        mediation.mediator = None
        mediation.appointment = None
        _move(actor, mediation, MediationStatus.UNASSIGNED, "mediation.unassign", reason)
        mediation.save(
            update_fields=["mediator", "appointment", "case_assignment", "status", "updated_at"]
        )
        _notify_after_commit(
            mediation,
            _admins(mediation),
            _("Mediation of case %(number)s needs another mediator")
            % {"number": mediation.case.number},
            reason,
        )
    return conflict


# --- sessions ------------------------------------------------------------------------------------


def _check_conduct(
    actor: User, mediation: Mediation, status: str = MediationStatus.MEDIATING
) -> None:
    if mediation.status != status:
        raise ApplicationError(
            _("This cannot be done while the mediation is “%(status)s”.")
            % {"status": mediation.get_status_display()}
        )
    if not can_conduct(actor, mediation, running_only=False):
        raise ApplicationError(
            _("Only the assigned mediator or an administrator of the committee can do this.")
        )


@transaction.atomic
def mediation_session_schedule(
    *, actor: User, mediation: Mediation, scheduled_for: datetime.datetime, place: str
) -> MediationSession:
    """Set a session with the parties."""
    mediation = _locked(mediation)
    _check_conduct(actor, mediation)
    place = _required(place, _("Say where the session takes place."), "place")
    session = MediationSession.objects.create(
        mediation=mediation, scheduled_for=scheduled_for, place=place, scheduled_by=actor
    )
    audit_record(
        actor=actor,
        action="mediation.session_schedule",
        obj=mediation,
        note=f"{timezone.localtime(scheduled_for):%Y-%m-%d %H:%M} {place}",
    )
    return session


@transaction.atomic
def mediation_session_record(
    *,
    actor: User,
    session: MediationSession,
    attendees: str,
    summary: str,
    proposals: str = "",
) -> MediationSession:
    """Record a session as held: who attended, what was said, what is proposed."""
    mediation = _locked(session.mediation)
    session = MediationSession.objects.select_for_update().get(pk=session.pk)
    _check_conduct(actor, mediation)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError(_("This session is recorded already."))
    session.attendees = _required(attendees, _("Say who attended."), "attendees")
    session.summary = _required(summary, _("Summarise the session."), "summary")
    session.proposals = proposals.strip()
    session.status = SessionStatus.HELD
    session.held_at = timezone.now()
    session.recorded_by = actor
    session.save(
        update_fields=["attendees", "summary", "proposals", "status", "held_at", "recorded_by"]
    )
    audit_record(actor=actor, action="mediation.session_record", obj=mediation)
    return session


# --- the term of art. 14 -------------------------------------------------------------------------


def term_deadline(mediation: Mediation) -> Deadline | None:
    return deadlines_of(mediation).filter(policy__key=TERM_POLICY, met_at__isnull=True).first()


@transaction.atomic
def mediation_term_extend(
    *, actor: User, mediation: Mediation, days: int, agreement: str
) -> TermExtension:
    """Record that the parties agreed to more time; the term ends `days` later."""
    mediation = _locked(mediation)
    _check_conduct(actor, mediation)
    if not 1 <= days <= 60:
        raise ApplicationError(_("Extend by 1 to 60 days."), field="days")
    agreement = _required(agreement, _("Say how the parties agreed to extend."), "agreement")
    deadline = term_deadline(mediation)
    if deadline is None:
        raise ApplicationError(_("This mediation has no running term."))
    before = deadline.due_on
    deadline.due_on = before + datetime.timedelta(days=days)
    deadline.overdue_notified_at = None
    deadline.save(update_fields=["due_on", "overdue_notified_at"])
    extension = TermExtension.objects.create(
        mediation=mediation,
        days=days,
        agreement=agreement,
        due_before=before,
        due_after=deadline.due_on,
        recorded_by=actor,
    )
    # The new end deserves its own warning.
    mediation.term_warned_at = None
    mediation.save(update_fields=["term_warned_at", "updated_at"])
    audit_record(
        actor=actor,
        action="mediation.term_extend",
        obj=mediation,
        note=f"{before:%Y-%m-%d} → {deadline.due_on:%Y-%m-%d}: {agreement}",
    )
    return extension


def mediation_terms_warn(*, today: datetime.date | None = None) -> int:
    """Warn the mediator (or, with none, the committee's administrators) of each running
    mediation whose term ends within TERM_WARNING_DAYS. Idempotent: each term once."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=TERM_WARNING_DAYS)
    due = Deadline.objects.filter(
        policy__key=TERM_POLICY, met_at__isnull=True, due_on__lte=horizon
    ).values("object_id")
    candidates = Mediation.objects.filter(
        pk__in=due, status__in=OPEN_STATES, term_warned_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(_warn_one(pk) for pk in candidates)


@transaction.atomic
def _warn_one(pk: int) -> int:
    # Re-checked under the lock: two beat runs at once warn once.
    mediation = (
        Mediation.objects.select_for_update(of=("self",))
        .select_related("case", "agency", "mediator")
        .get(pk=pk)
    )
    deadline = term_deadline(mediation)
    if mediation.term_warned_at is not None or deadline is None:
        return 0
    mediation.term_warned_at = timezone.now()
    mediation.save(update_fields=["term_warned_at"])
    recipients = [mediation.mediator] if mediation.mediator else _admins(mediation)
    _notify_after_commit(
        mediation,
        recipients,
        _("The mediation term of case %(number)s ends on %(date)s")
        % {"number": mediation.case.number, "date": f"{deadline.due_on:%Y-%m-%d}"},
        _("Without an agreement by then the claimant may go to arbitration (art. 14)."),
    )
    return 1


# --- the outcome ---------------------------------------------------------------------------------


@dataclass
class InstalmentData:
    due_on: datetime.date
    amount: Decimal


@dataclass
class AgreementData:
    """What the template asks for; the parties come from the case."""

    total_amount: Decimal
    payment_method: str
    instalments: list[InstalmentData] = field(default_factory=list)
    payment_details: str = ""
    clauses: str = ""


def _check_agreement(data: AgreementData) -> None:
    if data.total_amount is None or data.total_amount <= 0:
        raise ApplicationError(_("Enter the total amount."), field="total_amount")
    if data.payment_method not in PaymentMethod.values:
        raise ApplicationError(_("Choose the payment method."), field="payment_method")
    if not data.instalments:
        raise ApplicationError(_("Enter at least one instalment."), field="instalments")
    if any(item.amount <= 0 for item in data.instalments):
        raise ApplicationError(_("Every instalment must be more than zero."), field="instalments")
    dates = [item.due_on for item in data.instalments]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise ApplicationError(
            _("Give the instalments in order, one per day."), field="instalments"
        )
    if sum((item.amount for item in data.instalments), Decimal("0")) != data.total_amount:
        raise ApplicationError(
            _("The instalments must add up to the total amount."), field="instalments"
        )


@transaction.atomic
def agreement_draft(*, actor: User, mediation: Mediation, data: AgreementData) -> Agreement:
    """Write (or rewrite) the agreement's terms while the mediation runs."""
    mediation = _locked(mediation)
    redraft = mediation.status == MediationStatus.AGREED
    if redraft:
        _check_conduct(actor, mediation, status=MediationStatus.AGREED)
    else:
        _check_conduct(actor, mediation)
    _check_agreement(data)
    agreement, _created = Agreement.objects.update_or_create(
        mediation=mediation,
        defaults={
            "total_amount": data.total_amount,
            "payment_method": data.payment_method,
            "payment_details": data.payment_details.strip(),
            "clauses": data.clauses.strip(),
            "drafted_by": actor,
        },
    )
    agreement.instalments.all().delete()
    Instalment.objects.bulk_create(
        Instalment(agreement=agreement, sequence=number, due_on=item.due_on, amount=item.amount)
        for number, item in enumerate(data.instalments, start=1)
    )
    audit_record(
        actor=actor,
        action="mediation.agreement_redraft" if redraft else "mediation.agreement_draft",
        obj=mediation,
        note=f"{data.total_amount} / {len(data.instalments)}",
    )
    if redraft:
        _unfreeze(actor, agreement)
    return agreement


def _unfreeze(actor: User, agreement: Agreement) -> None:
    """A changed text is a new text: both parties confirm it again, on a new PDF."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    agreement.version += 1
    agreement.effective_at = None
    deadline_meet(policy_key=COURT_WINDOW_POLICY, subject=agreement.mediation)
    agreement.claimant_confirmed_at = agreement.employer_confirmed_at = None
    agreement.claimant_confirmed_sha256 = agreement.employer_confirmed_sha256 = ""
    agreement.employer_representative = ""
    agreement.document = document_request(actor=actor, owner=agreement, kind=AGREEMENT_PDF)
    agreement.save()
    agreement.links.filter(used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )


@transaction.atomic
def mediation_agree(*, actor: User, mediation: Mediation) -> Mediation:
    """The parties reached the drafted agreement: the mediation ends in agreement, the term
    is met, and the 调解协议书 is rendered after commit."""
    mediation = _locked(mediation)
    _check_conduct(actor, mediation)
    agreement = Agreement.objects.filter(mediation=mediation).first()
    if agreement is None:
        raise ApplicationError(_("Draft the agreement first."))
    _move(actor, mediation, MediationStatus.AGREED, "mediation.agree")
    mediation.ended_at = timezone.now()
    mediation.save(update_fields=["status", "ended_at", "updated_at"])
    deadline_meet(policy_key=TERM_POLICY, subject=mediation)
    agreement.document = document_request(actor=actor, owner=agreement, kind=AGREEMENT_PDF)
    agreement.save(update_fields=["document", "updated_at"])
    _notify_after_commit(
        mediation,
        _admins(mediation),
        _("Agreement reached in case %(number)s") % {"number": mediation.case.number},
    )
    return mediation


@transaction.atomic
def mediation_fail(*, actor: User, mediation: Mediation, reason: str) -> Mediation:
    """Mediation failed: the case goes on to arbitration intake as it stands (art. 14)."""
    mediation = _locked(mediation)
    if not (is_admin(actor, mediation) or can_conduct(actor, mediation)):
        raise ApplicationError(
            _("Only the assigned mediator or an administrator of the committee can do this.")
        )
    reason = _required(reason, _("Say why mediation failed."), "reason")
    _move(actor, mediation, MediationStatus.FAILED, "mediation.fail", reason)
    mediation.failure_reason = reason
    mediation.ended_at = timezone.now()
    mediation.save(update_fields=["status", "failure_reason", "ended_at", "updated_at"])
    deadline_meet(policy_key=TERM_POLICY, subject=mediation)
    if mediation.case.agency_id == mediation.agency_id:
        case_mediation_fail(actor=actor, case=mediation.case, reason=reason)
    deciders = [
        *agency_members(mediation.agency, Role.ARBITRATOR),
        *_admins(mediation),
    ]
    _notify_after_commit(
        mediation,
        deciders,
        _("Mediation of case %(number)s failed: it goes to arbitration")
        % {"number": mediation.case.number},
        reason,
    )
    return mediation


# --- the parties' confirmation -------------------------------------------------------------------

# The employer's link: long enough not to be guessed, short-lived, and good for one use.
EMPLOYER_LINK_DAYS = 7
CLAIMANT_LABEL = "申请人（状态查询）"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _confirmable(agreement: Agreement, shown_sha256: str) -> str:
    """The SHA-256 of the agreement's current PDF, if it is what the party was shown."""
    document = agreement.document
    if agreement.mediation.status != MediationStatus.AGREED or document is None:
        raise ApplicationError(_("There is no agreement to confirm."))
    if document.status != DocumentStatus.READY or not document.sha256:
        raise ApplicationError(_("The agreement document is not ready yet. Try again shortly."))
    if shown_sha256 != document.sha256:
        raise ApplicationError(
            _("The agreement changed since you opened it. Read the new text and confirm again.")
        )
    return document.sha256


def _locked_agreement(pk: int) -> Agreement:
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("document", "mediation__case__employer", "mediation__agency")
        .get(pk=pk)
    )


def _after_confirmation(agreement: Agreement, who: str) -> None:
    mediation = agreement.mediation
    recipients = [mediation.mediator] if mediation.mediator else _admins(mediation)
    _notify_after_commit(
        mediation,
        recipients,
        _("%(who)s confirmed the agreement of case %(number)s")
        % {"who": who, "number": mediation.case.number},
    )


@transaction.atomic
def agreement_confirm_claimant(*, case: Case, shown_sha256: str) -> Agreement:
    """The claimant, proved by tracking number and secret, confirms the exact text shown."""
    agreement = Agreement.objects.filter(mediation__case=case).first()
    if agreement is None:
        raise ApplicationError(_("There is no agreement to confirm."))
    agreement = _locked_agreement(agreement.pk)
    sha256 = _confirmable(agreement, shown_sha256)
    if agreement.claimant_confirmed_at is not None:
        raise ApplicationError(_("You confirmed this agreement already."))
    agreement.claimant_confirmed_at = timezone.now()
    agreement.claimant_confirmed_sha256 = sha256
    agreement.save(update_fields=["claimant_confirmed_at", "claimant_confirmed_sha256"])
    audit_record(
        actor=None,
        actor_label=CLAIMANT_LABEL,
        action="mediation.claimant_confirm",
        obj=agreement.mediation,
        note=sha256,
    )
    _after_confirmation(agreement, _("The claimant"))
    _take_effect_if_both(agreement)
    return agreement


@transaction.atomic
def employer_link_issue(*, actor: User, mediation: Mediation) -> tuple[EmployerLink, str]:
    """A new one-time link for the employer (older unused ones stop working). The token is
    returned once, to be passed on; only its digest is kept."""
    mediation = _locked(mediation)
    _check_conduct(actor, mediation, status=MediationStatus.AGREED)
    agreement = Agreement.objects.select_for_update().get(mediation=mediation)
    if agreement.employer_confirmed_at is not None:
        raise ApplicationError(_("The employer confirmed this agreement already."))
    now = timezone.now()
    agreement.links.filter(used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
    token = secrets.token_urlsafe(32)
    link = EmployerLink.objects.create(
        agreement=agreement,
        token_sha256=token_digest(token),
        expires_at=now + datetime.timedelta(days=EMPLOYER_LINK_DAYS),
        created_by=actor,
    )
    audit_record(actor=actor, action="mediation.employer_link_issue", obj=mediation)
    return link, token


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


@transaction.atomic
def agreement_confirm_employer(
    *, token: str, representative: str, credit_code: str, shown_sha256: str
) -> Agreement:
    """The employer's representative confirms through the one-time link, naming themselves
    and the employer's credit code."""
    found = employer_link_get(token)
    if found is None:
        raise ApplicationError(_("This link is not valid: it was used, replaced or has expired."))
    link = EmployerLink.objects.select_for_update().get(pk=found.pk)
    # Re-checked under the lock: two submissions at once use the link once.
    if link.used_at is not None or link.voided_at is not None or link.expires_at <= timezone.now():
        raise ApplicationError(_("This link is not valid: it was used, replaced or has expired."))
    agreement = _locked_agreement(link.agreement_id)
    sha256 = _confirmable(agreement, shown_sha256)
    representative = _required(
        representative, _("Give the representative's name."), "representative"
    )
    employer = agreement.mediation.case.employer
    if normalize_credit_code(credit_code) != normalize_credit_code(employer.credit_code):
        raise ApplicationError(
            _("The credit code does not match the employer of this agreement."),
            field="credit_code",
        )
    if agreement.employer_confirmed_at is not None:
        raise ApplicationError(_("The employer confirmed this agreement already."))
    now = timezone.now()
    link.used_at = now
    link.save(update_fields=["used_at"])
    agreement.employer_confirmed_at = now
    agreement.employer_confirmed_sha256 = sha256
    agreement.employer_representative = representative
    agreement.save(
        update_fields=[
            "employer_confirmed_at",
            "employer_confirmed_sha256",
            "employer_representative",
        ]
    )
    audit_record(
        actor=None,
        actor_label=f"{employer.name}（{representative}）",
        action="mediation.employer_confirm",
        obj=agreement.mediation,
        note=sha256,
    )
    _after_confirmation(agreement, employer.name)
    _take_effect_if_both(agreement)
    return agreement


def agreement_confirmed_by_both(agreement: Agreement) -> bool:
    """Both parties confirmed the current PDF (the frozen text)."""
    document = agreement.document
    return bool(
        document is not None
        and document.sha256
        and agreement.claimant_confirmed_sha256 == document.sha256
        and agreement.employer_confirmed_sha256 == document.sha256
    )


def _take_effect_if_both(agreement: Agreement) -> None:
    """The second confirmation makes the agreement take effect: the court window starts."""
    if not agreement_confirmed_by_both(agreement) or agreement.effective_at is not None:
        return
    agreement.effective_at = timezone.now()
    agreement.save(update_fields=["effective_at"])
    deadline_start(
        policy_key=COURT_WINDOW_POLICY, subject=agreement.mediation, start=agreement.effective_at
    )
    audit_record(actor=None, action="mediation.agreement_effective", obj=agreement.mediation)


# --- confirmation by an authority (快认) -----------------------------------------------------------


def _frozen(mediation: Mediation) -> Agreement:
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("document")
        .get(mediation=mediation)
    )
    if not agreement_confirmed_by_both(agreement):
        raise ApplicationError(_("Both parties must confirm the agreement's current text first."))
    return agreement


def court_window(mediation: Mediation) -> Deadline | None:
    return (
        deadlines_of(mediation).filter(policy__key=COURT_WINDOW_POLICY, met_at__isnull=True).first()
    )


@transaction.atomic
def agreement_arbitration_confirm(*, actor: User, mediation: Mediation) -> Agreement:
    """Review and confirmation by the committee (仲裁审查确认): a numbered 调解书."""
    mediation = _locked(mediation)
    if not has_role(actor, Role.ARBITRATOR, Role.AGENCY_ADMIN, agency=mediation.agency):
        raise ApplicationError(
            _("Only arbitrators and administrators of the committee confirm an agreement.")
        )
    if mediation.status != MediationStatus.AGREED:
        raise ApplicationError(
            _("This cannot be done while the mediation is “%(status)s”.")
            % {"status": mediation.get_status_display()}
        )
    agreement = _frozen(mediation)
    agreement.statement_number = number_take(agency=mediation.agency, series=STATEMENT_SERIES)
    agreement.statement_document = document_request(
        actor=actor, owner=agreement, kind=STATEMENT_PDF
    )
    agreement.save(update_fields=["statement_number", "statement_document", "updated_at"])
    _move(actor, mediation, MediationStatus.CONFIRMED, "mediation.arbitration_confirm")
    mediation.save(update_fields=["status", "updated_at"])
    deadline_meet(policy_key=COURT_WINDOW_POLICY, subject=mediation)
    _notify_after_commit(
        mediation,
        [user for user in [mediation.mediator] if user],
        _("The committee confirmed the agreement of case %(number)s: %(statement)s")
        % {"number": mediation.case.number, "statement": agreement.statement_number},
    )
    return agreement


@transaction.atomic
def agreement_court_apply(*, actor: User, mediation: Mediation, court_name: str) -> Agreement:
    """Record the parties' joint application for judicial confirmation (司法确认), within the
    30-day window; the application form is rendered for them to sign and file."""
    mediation = _locked(mediation)
    _check_conduct(actor, mediation, status=MediationStatus.AGREED)
    agreement = _frozen(mediation)
    court_name = _required(court_name, _("Name the court."), "court_name")
    window = court_window(mediation)
    today = timezone.localdate()
    if window is not None and window.due_on < today:
        raise ApplicationError(
            _("The 30 days for a joint application ended on %(date)s.")
            % {"date": f"{window.due_on:%Y-%m-%d}"}
        )
    agreement.court_name = court_name
    agreement.court_applied_on = today
    agreement.court_application_document = document_request(
        actor=actor, owner=agreement, kind=COURT_APPLICATION_PDF
    )
    agreement.save(
        update_fields=[
            "court_name",
            "court_applied_on",
            "court_application_document",
            "updated_at",
        ]
    )
    deadline_meet(policy_key=COURT_WINDOW_POLICY, subject=mediation)
    _move(actor, mediation, MediationStatus.COURT_APPLIED, "mediation.court_apply", court_name)
    mediation.save(update_fields=["status", "updated_at"])
    return agreement


@transaction.atomic
def agreement_court_decision(
    *,
    actor: User,
    mediation: Mediation,
    confirmed: bool,
    decided_on: datetime.date,
    enforceable_number: str = "",
) -> Agreement:
    """Staff record what the court decided, and the number of its enforceable ruling."""
    mediation = _locked(mediation)
    _check_conduct(actor, mediation, status=MediationStatus.COURT_APPLIED)
    agreement = Agreement.objects.select_for_update().get(mediation=mediation)
    if decided_on > timezone.localdate():
        raise ApplicationError(_("The decision cannot be in the future."), field="decided_on")
    if confirmed:
        enforceable_number = _required(
            enforceable_number,
            _("Give the number of the court's ruling."),
            "enforceable_number",
        )
    agreement.court_decided_on = decided_on
    agreement.enforceable_number = enforceable_number.strip()
    agreement.save(update_fields=["court_decided_on", "enforceable_number", "updated_at"])
    target = MediationStatus.CONFIRMED if confirmed else MediationStatus.COURT_REJECTED
    _move(actor, mediation, target, "mediation.court_decision", agreement.enforceable_number)
    mediation.save(update_fields=["status", "updated_at"])
    return agreement


# --- performance ---------------------------------------------------------------------------------


def _check_performer(actor: User, mediation: Mediation) -> Agreement:
    if not (is_admin(actor, mediation) or can_conduct(actor, mediation, running_only=False)):
        raise ApplicationError(
            _("Only the assigned mediator or an administrator of the committee can do this.")
        )
    agreement = Agreement.objects.select_for_update().filter(mediation=mediation).first()
    if agreement is None or agreement.effective_at is None:
        raise ApplicationError(_("Payments follow an agreement both parties confirmed."))
    return agreement


@transaction.atomic
def instalment_record_payment(
    *,
    actor: User,
    instalment: Instalment,
    paid_on: datetime.date,
    amount: Decimal,
    evidence: UploadedFile | None = None,
) -> Instalment:
    """Record that an instalment was paid (also one first recorded as missed)."""
    mediation = _locked(instalment.agreement.mediation)
    _check_performer(actor, mediation)
    instalment = Instalment.objects.select_for_update().get(pk=instalment.pk)
    if instalment.status == InstalmentStatus.PAID:
        raise ApplicationError(_("This instalment is recorded as paid already."))
    if paid_on > timezone.localdate():
        raise ApplicationError(_("The payment cannot be in the future."), field="paid_on")
    if amount is None or amount <= 0:
        raise ApplicationError(_("Enter the amount paid."), field="amount")
    if evidence is not None:
        try:
            checked = check_upload(evidence)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="evidence") from exc
        name = f"{instalment.pk}-{checked.sha256[:16]}.{checked.extension}"
        instalment.evidence.save(name, evidence, save=False)
        instalment.evidence_sha256 = checked.sha256
    before = instalment.status
    instalment.status = InstalmentStatus.PAID
    instalment.paid_on = paid_on
    instalment.paid_amount = amount
    instalment.recorded_by = actor
    instalment.save()
    audit_record(
        actor=actor,
        action="mediation.instalment_paid",
        obj=mediation,
        status_before=before,
        status_after=instalment.status,
        note=f"{instalment.sequence}: {amount} {paid_on:%Y-%m-%d}",
    )
    return instalment


def instalments_missed_sweep(*, today: datetime.date | None = None) -> int:
    """Mark every instalment past its day and not paid as missed, and alert the mediator.
    Idempotent: each instalment once."""
    today = today or timezone.localdate()
    late = Instalment.objects.filter(
        status=InstalmentStatus.DUE,
        due_on__lt=today,
        agreement__effective_at__isnull=False,
    ).values_list("pk", flat=True)
    return sum(_miss_one(pk) for pk in late)


@transaction.atomic
def _miss_one(pk: int) -> int:
    instalment = (
        Instalment.objects.select_for_update(of=("self",))
        .select_related("agreement__mediation__case", "agreement__mediation__mediator")
        .get(pk=pk)
    )
    if instalment.status != InstalmentStatus.DUE:
        return 0
    instalment.status = InstalmentStatus.MISSED
    instalment.missed_at = timezone.now()
    instalment.save(update_fields=["status", "missed_at"])
    mediation = instalment.agreement.mediation
    audit_record(
        actor=None,
        action="mediation.instalment_missed",
        obj=mediation,
        status_before=InstalmentStatus.DUE,
        status_after=InstalmentStatus.MISSED,
        note=f"{instalment.sequence}: {instalment.due_on:%Y-%m-%d}",
    )
    recipients = [mediation.mediator] if mediation.mediator else _admins(mediation)
    _notify_after_commit(
        mediation,
        recipients,
        _("Instalment %(sequence)s of case %(number)s was not paid by %(date)s")
        % {
            "sequence": instalment.sequence,
            "number": mediation.case.number,
            "date": f"{instalment.due_on:%Y-%m-%d}",
        },
        _("Record the payment if it came late, or an application for a payment order."),
    )
    return 1


@transaction.atomic
def agreement_enforcement_record(
    *,
    actor: User,
    mediation: Mediation,
    kind: str,
    applied_on: datetime.date,
    note: str = "",
) -> Agreement:
    """Record the application for a payment order (art. 16) or for enforcement."""
    mediation = _locked(mediation)
    agreement = _check_performer(actor, mediation)
    if kind not in EnforcementKind.values:
        raise ApplicationError(_("Choose what was applied for."), field="kind")
    if kind == EnforcementKind.ENFORCEMENT and mediation.status != MediationStatus.CONFIRMED:
        raise ApplicationError(
            _("Enforcement needs a confirmed agreement (a 调解书 or the court's ruling)."),
            field="kind",
        )
    if applied_on > timezone.localdate():
        raise ApplicationError(_("The application cannot be in the future."), field="applied_on")
    if not agreement.instalments.filter(status=InstalmentStatus.MISSED).exists():
        raise ApplicationError(_("No instalment was missed."))
    agreement.enforcement_kind = kind
    agreement.enforcement_applied_on = applied_on
    agreement.enforcement_note = note.strip()
    agreement.save(
        update_fields=[
            "enforcement_kind",
            "enforcement_applied_on",
            "enforcement_note",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="mediation.enforcement_record",
        obj=mediation,
        note=f"{kind} {applied_on:%Y-%m-%d} {note}".strip(),
    )
    return agreement
