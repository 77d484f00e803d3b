"""Who may see a mediation and who may make each move.

Visibility rides on the case (portal.cases.permissions): whoever may see the case sees its
mediation. Role rules (docs/mediation.md), checked inside the services:
- open a mediation: a mediator, arbitrator or administrator of the arbitration committee, on
  a case they may work;
- assign the mediator: an administrator of the committee;
- declare a conflict of interest: the person concerned, or an administrator of the committee;
- schedule and record sessions, record an extension, draft the agreement, end the mediation:
  the assigned mediator, or an administrator of the committee;
- confirm an agreement by the committee (调解书): an arbitrator or administrator of it.
The moves that change a mediation's status are data in MOVES; the pages draw their buttons
from `available_moves`.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.cases.models import Case
from portal.cases.permissions import CasePerm, access_case, can_work, cases_visible_to
from portal.core.models import Agency, Role, User
from portal.core.roles import has_role
from portal.core.transitions import MoveTable, internal, rule

from .models import (
    OPEN_STATES,
    Instalment,
    InstalmentStatus,
    Mediation,
    MediationSession,
    SessionStatus,
)
from .models import MediationStatus as S

OPENING_ROLES = (Role.MEDIATOR, Role.ARBITRATOR, Role.AGENCY_ADMIN)


class MediationPerm(StrEnum):
    # A mediation is seen (and worked) through its case.
    VIEW = CasePerm.VIEW
    WORK = CasePerm.WORK


class Move(StrEnum):
    """Every change of a mediation's status; the audit action is f"mediation.{move}"."""

    ASSIGN = "assign"
    REASSIGN = "reassign"
    UNASSIGN = "unassign"  # the mediator declared (or was found to have) a conflict of interest
    AGREE = "agree"
    FAIL = "fail"
    ARBITRATION_CONFIRM = "arbitration_confirm"
    COURT_APPLY = "court_apply"
    COURT_CONFIRM = "court_confirm"
    COURT_REJECT = "court_reject"


def mediating_agency() -> Agency:
    return Agency.objects.get(code=Agency.ARBITRATION)


# --- role rules ----------------------------------------------------------------------------------


def is_admin(user: User, mediation: Mediation) -> bool:
    return has_role(user, Role.AGENCY_ADMIN, agency=mediation.agency)


def conducts(user: User, mediation: Mediation) -> bool:
    """The assigned mediator (a special mediator only while the appointment that allowed the
    assignment holds), or an administrator of the committee; whatever the state."""
    if is_admin(user, mediation):
        return True
    if mediation.mediator_id is None or mediation.mediator_id != user.pk:
        return False
    appointment = mediation.appointment
    if appointment is None:
        return True
    today = timezone.localdate()
    return appointment.ended_at is None and appointment.valid_from <= today <= (
        appointment.valid_until
    )


def _concerned_or_admin(user: User, mediation: Mediation) -> bool:
    # The mediator taken off is the person who declared the conflict, or an admin did it.
    return user.pk == mediation.mediator_id or is_admin(user, mediation)


def _decides(user: User, mediation: Mediation) -> bool:
    return has_role(user, Role.ARBITRATOR, Role.AGENCY_ADMIN, agency=mediation.agency)


_ASSIGNER = _("Only an administrator of the committee assigns the mediator.")
_CONDUCTOR = _("Only the assigned mediator or an administrator of the committee can do this.")

MOVES: MoveTable[Mediation] = MoveTable(
    model=Mediation,
    audit_prefix="mediation",
    select_related=("case", "agency", "mediator", "appointment"),
    stale=_("The mediation changed meanwhile; reload the page."),
    wrong_state=_("This cannot be done while the mediation is “%(status)s”."),
    moves={
        Move.ASSIGN: rule({S.UNASSIGNED}, S.MEDIATING, is_admin, _ASSIGNER),
        # a new mediator for a running mediation: the state stays, the version moves on
        Move.REASSIGN: rule({S.MEDIATING}, None, is_admin, _ASSIGNER),
        Move.UNASSIGN: rule(
            {S.MEDIATING},
            S.UNASSIGNED,
            _concerned_or_admin,
            _("A conflict of interest is declared by the person concerned or an administrator."),
        ),
        Move.AGREE: rule({S.MEDIATING}, S.AGREED, conducts, _CONDUCTOR),
        Move.FAIL: rule({S.UNASSIGNED, S.MEDIATING}, S.FAILED, conducts, _CONDUCTOR),
        Move.ARBITRATION_CONFIRM: rule(
            {S.AGREED},
            S.CONFIRMED,
            _decides,
            _("Only arbitrators and administrators of the committee confirm an agreement."),
        ),
        Move.COURT_APPLY: rule({S.AGREED}, S.COURT_APPLIED, conducts, _CONDUCTOR),
        Move.COURT_CONFIRM: rule({S.COURT_APPLIED}, S.CONFIRMED, conducts, _CONDUCTOR),
        Move.COURT_REJECT: rule({S.COURT_APPLIED}, S.COURT_REJECTED, conducts, _CONDUCTOR),
    },
)


class SessionMove(StrEnum):
    RECORD = "session_record"


class InstalmentMove(StrEnum):
    PAY = "instalment_paid"
    MISS = "instalment_missed"


def _conducts_session(user: User, session: MediationSession) -> bool:
    return conducts(user, session.mediation)


def _conducts_instalment(user: User, instalment: Instalment) -> bool:
    return conducts(user, instalment.agreement.mediation)


# A session and an instalment move on their own, but their moves are written into the
# mediation's history, where the page reads them.
SESSION_MOVES: MoveTable[MediationSession] = MoveTable(
    model=MediationSession,
    name="mediation_session",
    audit_prefix="mediation",
    audit_on=lambda session: session.mediation,
    select_related=("mediation",),
    stale=_("The mediation changed meanwhile; reload the page."),
    wrong_state=_("This session is recorded already."),
    moves={
        SessionMove.RECORD: rule(
            {SessionStatus.SCHEDULED}, SessionStatus.HELD, _conducts_session, _CONDUCTOR
        ),
    },
)

INSTALMENT_MOVES: MoveTable[Instalment] = MoveTable(
    model=Instalment,
    name="instalment",
    audit_prefix="mediation",
    audit_on=lambda instalment: instalment.agreement.mediation,
    select_related=("agreement__mediation__case", "agreement__mediation__mediator"),
    stale=_("The mediation changed meanwhile; reload the page."),
    wrong_state=_("This instalment is recorded as paid already."),
    moves={
        # also one first marked as missed: the employer paid late
        InstalmentMove.PAY: rule(
            {InstalmentStatus.DUE, InstalmentStatus.MISSED},
            InstalmentStatus.PAID,
            _conducts_instalment,
            _CONDUCTOR,
        ),
        # the daily sweep marks an instalment not paid by its day
        InstalmentMove.MISS: rule({InstalmentStatus.DUE}, InstalmentStatus.MISSED, internal),
    },
)


def available_moves(user: User, mediation: Mediation) -> set[str]:
    """The moves the user may make now: the buttons of the mediation's page."""
    return MOVES.available(user, mediation)


# --- what the pages and the services ask besides the moves ---------------------------------------


def can_open(user: User, case: Case) -> bool:
    agency = user.agency
    if agency is None or agency.code != Agency.ARBITRATION:
        return False
    return has_role(user, *OPENING_ROLES) and can_work(user, case)


def can_mediate(user: User, mediation: Mediation) -> bool:
    """Sessions, the term and the agreement's draft: the work of a running mediation."""
    return mediation.status == S.MEDIATING and conducts(user, mediation)


def can_redraft(user: User, mediation: Mediation) -> bool:
    """An agreement reached may be rewritten (the parties then confirm the new text)."""
    return mediation.status == S.AGREED and conducts(user, mediation)


def can_issue_employer_link(user: User, mediation: Mediation) -> bool:
    return mediation.status == S.AGREED and conducts(user, mediation)


def can_record_performance(user: User, mediation: Mediation) -> bool:
    """Payments and applications for enforcement follow an agreement that took effect."""
    agreement = getattr(mediation, "agreement", None)
    return (
        agreement is not None and agreement.effective_at is not None and conducts(user, mediation)
    )


def can_declare_conflict(user: User, mediation: Mediation) -> bool:
    """Whether the page offers the form (the person concerned may also declare it)."""
    return mediation.status in OPEN_STATES and is_admin(user, mediation)


# --- loading -------------------------------------------------------------------------------------


def access_mediation(user: User, pk: object, perm: str = MediationPerm.VIEW) -> Mediation:
    """The mediation of the case `pk` (a mediation is reached through its case, as its URLs
    say), if the user may see that case with `perm`; 404 otherwise, and for a case without
    a mediation."""
    case = access_case(user, pk, perm)
    mediation = (
        Mediation.objects.select_related("mediator", "agency", "referral", "appointment")
        .filter(case=case)
        .first()
    )
    if mediation is None:
        raise Http404
    mediation.case = case
    return mediation


def mediations_visible_to(user: User) -> QuerySet[Mediation]:
    return Mediation.objects.filter(case__in=cases_visible_to(user).values("pk"))
