"""Who may see a case and who may act on it.

Visibility (object permissions): the owning agency's group gets view and change; a
co-handling agency's group gets view and change while it co-handles; a person assigned
through an appointment gets view and change personally.

Role rules: the case's moves are data (MOVES, one rule for every edge of models.TRANSITIONS);
the rules of the other writes (registering, working, managing a case) are the `can_*`
functions below. Services check them; views only use them to show the right buttons.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from portal.core.models import Agency, Role, User
from portal.core.permissions import (
    grant_to_agency,
    grant_to_user,
    load_or_404,
    revoke_from_agency,
    revoke_from_user,
    scoped_queryset,
)
from portal.core.roles import has_role
from portal.core.transitions import MoveTable, internal, rule

from .models import INTAKE_OPEN, Arbitration, Case, Evidence
from .models import CaseStatus as S


class CasePerm(StrEnum):
    VIEW = "cases.view_case"
    WORK = "cases.change_case"


AGENCY_PERMS = ["view_case", "change_case"]
PERSONAL_PERMS = ["view_case", "change_case"]
WORKING_ROLES = (Role.MEDIATOR, Role.ARBITRATOR, Role.INSPECTOR, Role.LIAISON, Role.AGENCY_ADMIN)
# The committee decides on acceptance (《劳动争议调解仲裁法》 art. 29): its arbitrators and
# administrators.
INTAKE_ROLES = (Role.ARBITRATOR, Role.AGENCY_ADMIN)


# --- loaders -------------------------------------------------------------------------------------


def access_case(user: User, pk: object, perm: str = CasePerm.VIEW) -> Case:
    """The case, if the user may see it (or work it, with CasePerm.WORK); 404 otherwise."""
    return load_or_404(user, perm, Case.objects.select_related("agency", "employer"), pk)


def access_evidence(user: User, pk: int | str, perm: str = CasePerm.VIEW) -> Evidence:
    """The evidence file, if the user may see its case (or work it); 404 otherwise."""
    queryset = Evidence.objects.filter(case__in=cases_visible_to(user, perm))
    try:
        return queryset.get(pk=pk)
    except (Evidence.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# Untyped on purpose: callers filter it with nullable keys (a referral's case_id), which the
# stubs' lookup check refuses on a typed QuerySet.
def cases_visible_to(user: User, perm: str = CasePerm.VIEW):  # type: ignore[no-untyped-def]
    return scoped_queryset(user, perm, Case.objects.all())


# --- role rules ----------------------------------------------------------------------------------


def has_working_role(user: User) -> bool:
    """A working role (not a read-only leader): who may be assigned to work a case."""
    return has_role(user, *WORKING_ROLES)


def can_work(user: User, case: Case) -> bool:
    """Hold a working role (not a read-only leader) and the work permission on the case."""
    if not has_role(user, *WORKING_ROLES):
        return False
    return cases_visible_to(user, CasePerm.WORK).filter(pk=case.pk).exists()


def can_register(user: User, agency: Agency | None = None) -> bool:
    """Staff with a working role register cases for their own agency (`agency`, if given)."""
    if agency is None:
        return user.agency is not None and has_role(user, *WORKING_ROLES)
    return has_role(user, *WORKING_ROLES, agency=agency)


def can_manage(user: User, case: Case) -> bool:
    """An admin of the owning agency."""
    return has_role(user, Role.AGENCY_ADMIN, agency=case.agency)


def can_decide_intake(user: User, case: Case | None = None) -> bool:
    """Arbitrators and administrators of the arbitration committee; for a case, of the
    committee that owns it (the bureau's cases do not go through arbitration intake)."""
    agency = user.agency
    if agency is None or agency.code != Agency.ARBITRATION:
        return False
    if case is not None and case.agency_id != agency.pk:
        return False
    return has_role(user, *INTAKE_ROLES)


# --- the moves -----------------------------------------------------------------------------------


class Move(StrEnum):
    # the committee's intake moves (portal.cases.services.intake)
    ACCEPT = "accept"
    ROUTE_TO_MEDIATION = "route_to_mediation"
    REFUSE = "refuse"
    REQUEST_MATERIAL = "request_material"
    # the claimant's: no account, so no role rule here; the status page's loader
    # (portal.kiosk.permissions.access_claimant_case) checked the tracking number and secret
    MATERIAL_SUPPLY = "material_supply"
    # made by other flows, which check their own role rules (portal.cases.services.moves)
    MEDIATION_START = "mediation_start"
    MEDIATION_FAIL = "mediation_fail"
    MEDIATION_FAIL_TO_ARBITRATION = "mediation_fail_to_arbitration"
    # an agreement confirmed by the committee (调解书) or the court (司法确认) settles the case
    MEDIATION_SETTLE = "mediation_settle"
    # a mediation given up before it started returns the case to intake; another flow
    # closing the case
    MEDIATION_RETURN = "mediation_return"
    CLOSE = "close"
    # the arbitration after acceptance (art. 43; portal.cases.services.arbitration)
    ARBITRATE = "arbitrate"
    NAME_ARBITRATOR = "name_arbitrator"
    SCHEDULE_HEARING = "schedule_hearing"
    EXTEND = "extend_award_period"
    SUSPEND = "suspend"
    RESUME = "resume"
    AWARD = "award"
    WITHDRAW = "withdraw"
    SETTLE = "settle"


INTAKE_REFUSAL = _(
    "Only arbitrators and administrators of the arbitration committee decide on intake."
)


ARBITRATION_REFUSAL = _(
    "Only arbitrators and administrators of the arbitration committee conduct its arbitration."
)
EXTENSION_REFUSAL = _(
    "Only the committee's head (its administrators) approves extending the award period."
)


def _decider(user: User, case: Case) -> bool:
    return can_decide_intake(user, case)


def can_approve_extension(user: User, case: Case) -> bool:
    """The committee's head approves extending the award period (art. 43); the portal's
    nearest role is an administrator of the committee that owns the case."""
    agency = user.agency
    return (
        agency is not None
        and agency.code == Agency.ARBITRATION
        and case.agency_id == agency.pk
        and has_role(user, Role.AGENCY_ADMIN, agency=agency)
    )


def _head(user: User, case: Case) -> bool:
    return can_approve_extension(user, case)


def _not_extended(case: Case) -> bool:
    """The award period is extended once at most (art. 43: 'may be extended by 15 days')."""
    return not Arbitration.objects.filter(case_id=case.pk, extended_at__isnull=False).exists()


MOVES: MoveTable[Case] = MoveTable(
    model=Case,
    audit_prefix="case",
    select_related=("agency", "employer"),
    stale=_("The case changed meanwhile; reload the page."),
    wrong_state=_("This cannot be done while the case is “%(status)s”."),
    moves={
        Move.ACCEPT: rule(INTAKE_OPEN, S.ACCEPTED, _decider, INTAKE_REFUSAL),
        Move.ROUTE_TO_MEDIATION: rule(INTAKE_OPEN, S.MEDIATION_PENDING, _decider, INTAKE_REFUSAL),
        Move.REFUSE: rule(INTAKE_OPEN, S.REFUSED, _decider, INTAKE_REFUSAL),
        # Asked once, all at once (一次性告知): not again while the claimant has not answered.
        Move.REQUEST_MATERIAL: rule({S.FILED}, S.MATERIAL_REQUESTED, _decider, INTAKE_REFUSAL),
        Move.MATERIAL_SUPPLY: rule({S.MATERIAL_REQUESTED}, S.FILED, internal),
        # portal.mediation opens a mediation on a routed or an accepted case
        Move.MEDIATION_START: rule({S.MEDIATION_PENDING, S.ACCEPTED}, S.MEDIATING, internal),
        # a failed mediation: a case routed at intake goes back to the queue, an accepted one
        # on to arbitration (art. 14)
        Move.MEDIATION_FAIL: rule({S.MEDIATING}, S.FILED, internal),
        Move.MEDIATION_FAIL_TO_ARBITRATION: rule({S.MEDIATING}, S.ARBITRATING, internal),
        Move.MEDIATION_SETTLE: rule({S.MEDIATING}, S.CLOSED, internal),
        Move.MEDIATION_RETURN: rule({S.MEDIATION_PENDING}, S.FILED, internal),
        Move.CLOSE: rule({S.MEDIATION_PENDING, S.ACCEPTED, S.MEDIATING}, S.CLOSED, internal),
        # the arbitration: naming the arbitrator opens it (组庭)
        Move.ARBITRATE: rule({S.ACCEPTED}, S.ARBITRATING, _decider, ARBITRATION_REFUSAL),
        Move.NAME_ARBITRATOR: rule(
            {S.ARBITRATING, S.SUSPENDED}, None, _decider, ARBITRATION_REFUSAL
        ),
        Move.SCHEDULE_HEARING: rule({S.ARBITRATING}, None, _decider, ARBITRATION_REFUSAL),
        Move.EXTEND: rule({S.ARBITRATING}, None, _head, EXTENSION_REFUSAL, when=_not_extended),
        Move.SUSPEND: rule({S.ARBITRATING}, S.SUSPENDED, _decider, ARBITRATION_REFUSAL),
        Move.RESUME: rule({S.SUSPENDED}, S.ARBITRATING, _decider, ARBITRATION_REFUSAL),
        Move.AWARD: rule({S.ARBITRATING}, S.CLOSED, _decider, ARBITRATION_REFUSAL),
        Move.WITHDRAW: rule(
            {S.ACCEPTED, S.ARBITRATING, S.SUSPENDED}, S.CLOSED, _decider, ARBITRATION_REFUSAL
        ),
        Move.SETTLE: rule(
            {S.ACCEPTED, S.ARBITRATING, S.SUSPENDED}, S.CLOSED, _decider, ARBITRATION_REFUSAL
        ),
    },
)
INTAKE_MOVES = (Move.ACCEPT, Move.ROUTE_TO_MEDIATION, Move.REFUSE, Move.REQUEST_MATERIAL)
ARBITRATION_MOVES = (
    Move.ARBITRATE,
    Move.NAME_ARBITRATOR,
    Move.SCHEDULE_HEARING,
    Move.EXTEND,
    Move.SUSPEND,
    Move.RESUME,
    Move.AWARD,
    Move.WITHDRAW,
    Move.SETTLE,
)


def available_moves(user: User, case: Case) -> set[str]:
    """The moves the user may make now: the buttons of the intake desk and the case page."""
    return MOVES.available(user, case)


# --- grants --------------------------------------------------------------------------------------


def grant_case_to_agency(case: Case, agency: Agency) -> None:
    grant_to_agency(agency, AGENCY_PERMS, case)


def revoke_case_from_agency(case: Case, agency: Agency) -> None:
    revoke_from_agency(agency, AGENCY_PERMS, case)


def grant_case_to_user(case: Case, user: User) -> None:
    grant_to_user(user, PERSONAL_PERMS, case)


def revoke_case_from_user(case: Case, user: User) -> None:
    revoke_from_user(user, PERSONAL_PERMS, case)
