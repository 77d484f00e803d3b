"""Who holds which role where. Role rules (who may make which move) live in each app's
permissions module and are checked inside services."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Agency, Role, User

STAFF_ROLES = frozenset(
    {Role.MEDIATOR, Role.ARBITRATOR, Role.INSPECTOR, Role.LIAISON, Role.AGENCY_ADMIN}
)


def user_roles(user: User) -> frozenset[str]:
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    if membership is None or not membership.active:
        return frozenset()
    return frozenset(membership.roles)


def has_role(user: User, *roles: str, agency: Agency | None = None) -> bool:
    if agency is not None and user.agency != agency:
        return False
    return bool(user_roles(user) & set(roles))


def agency_members(agency: Agency, role: str | None = None) -> QuerySet[User]:
    """Active members of an agency, optionally with one role, in one query."""
    users = User.objects.filter(is_active=True, membership__agency=agency, membership__active=True)
    if role is not None:
        # roles is a JSON list; matching the quoted code works on SQLite and PostgreSQL alike.
        users = users.filter(membership__roles__icontains=f'"{role}"')
    return users.order_by("id")
