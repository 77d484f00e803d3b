"""Who may see a mediation and who may act on it.

Visibility rides on the case (portal.cases.permissions): whoever may see the case sees its
mediation. Role rules (README, "Mediation and confirmation"), checked inside the services:
- open a mediation: a mediator, arbitrator or administrator of the arbitration committee, on
  a case they may work;
- assign the mediator: an administrator of the committee;
- declare a conflict of interest: the person concerned, or an administrator of the committee;
- schedule and record sessions, record an extension: the assigned mediator, or an
  administrator of the committee.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from portal.cases.models import Case
from portal.cases.permissions import CasePerm, access_case, can_work, cases_visible_to
from portal.core.models import Agency, Role, User
from portal.core.roles import has_role

from .models import OPEN_STATES, Mediation

OPENING_ROLES = (Role.MEDIATOR, Role.ARBITRATOR, Role.AGENCY_ADMIN)


def mediating_agency() -> Agency:
    return Agency.objects.get(code=Agency.ARBITRATION)


def access_mediation_case(user: User, case_pk: object) -> tuple[Case, Mediation | None]:
    """The case (404 if the user may not see it) and its mediation, if there is one."""
    case = access_case(user, case_pk, CasePerm.VIEW)
    mediation = (
        Mediation.objects.select_related("mediator", "agency", "referral").filter(case=case).first()
    )
    return case, mediation


def mediations_visible_to(user: User) -> QuerySet[Mediation]:
    return Mediation.objects.filter(case__in=cases_visible_to(user).values("pk"))


def can_open(user: User, case: Case) -> bool:
    agency = user.agency
    if agency is None or agency.code != Agency.ARBITRATION:
        return False
    return has_role(user, *OPENING_ROLES) and can_work(user, case)


def is_admin(user: User, mediation: Mediation) -> bool:
    return has_role(user, Role.AGENCY_ADMIN, agency=mediation.agency)


def can_conduct(user: User, mediation: Mediation, *, running_only: bool = True) -> bool:
    """The assigned mediator or an administrator of the committee (while it runs, unless
    `running_only` is False: the services check the state themselves)."""
    if running_only and mediation.status not in OPEN_STATES:
        return False
    if is_admin(user, mediation):
        return True
    if mediation.mediator_id is None or mediation.mediator_id != user.pk:
        return False
    # A special mediator acts only while the appointment that allowed the assignment holds.
    appointment = mediation.appointment
    if appointment is None:
        return True
    today = timezone.localdate()
    return appointment.ended_at is None and appointment.valid_from <= today <= (
        appointment.valid_until
    )
