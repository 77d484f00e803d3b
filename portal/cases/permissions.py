"""Who may see a case and who may act on it.

Visibility (object permissions): the owning agency's group gets view and change; a
co-handling agency's group gets view and change while it co-handles; a person assigned
through an appointment gets view and change personally. Role rules are checked in services.
"""

from __future__ import annotations

from enum import StrEnum

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

from .models import Case


class CasePerm(StrEnum):
    VIEW = "cases.view_case"
    WORK = "cases.change_case"


AGENCY_PERMS = ["view_case", "change_case"]
PERSONAL_PERMS = ["view_case", "change_case"]
WORKING_ROLES = (Role.MEDIATOR, Role.ARBITRATOR, Role.INSPECTOR, Role.LIAISON, Role.AGENCY_ADMIN)


def access_case(user: User, pk: object, perm: str = CasePerm.VIEW) -> Case:
    """The case, if the user may see it (or work it, with CasePerm.WORK); 404 otherwise."""
    return load_or_404(user, perm, Case.objects.select_related("agency", "employer"), pk)


def cases_visible_to(user: User, perm: str = CasePerm.VIEW):  # type: ignore[no-untyped-def]
    return scoped_queryset(user, perm, Case.objects.all())


def can_work(user: User, case: Case) -> bool:
    """Hold a working role (not a read-only leader) and the work permission on the case."""
    if not has_role(user, *WORKING_ROLES):
        return False
    return cases_visible_to(user, CasePerm.WORK).filter(pk=case.pk).exists()


def can_register(user: User) -> bool:
    """Staff with a working role register cases for their own agency."""
    return user.agency is not None and has_role(user, *WORKING_ROLES)


def can_manage(user: User, case: Case) -> bool:
    """An admin of the owning agency."""
    return has_role(user, Role.AGENCY_ADMIN, agency=case.agency)


def grant_case_to_agency(case: Case, agency: Agency) -> None:
    grant_to_agency(agency, AGENCY_PERMS, case)


def revoke_case_from_agency(case: Case, agency: Agency) -> None:
    revoke_from_agency(agency, AGENCY_PERMS, case)


def grant_case_to_user(case: Case, user: User) -> None:
    grant_to_user(user, PERSONAL_PERMS, case)


def revoke_case_from_user(case: Case, user: User) -> None:
    revoke_from_user(user, PERSONAL_PERMS, case)
