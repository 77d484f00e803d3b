"""Sign-in lock-outs an agency's administrator sees and lifts: django-axes locks a username
after AXES_FAILURE_LIMIT failures; the admin of the person's agency may unlock them (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import ApplicationError
from .models import Role, User
from .roles import agency_members, has_role


@dataclass(frozen=True)
class Lockout:
    user: User
    failures: int
    last_attempt: object


def may_unlock(actor: User) -> bool:
    return actor.agency is not None and has_role(actor, Role.AGENCY_ADMIN, agency=actor.agency)


def lockouts_of_agency(actor: User) -> list[Lockout]:
    """The locked-out members of the actor's agency (none for anyone but its admin)."""
    if not may_unlock(actor):
        return []
    assert actor.agency is not None
    members = {user.username: user for user in agency_members(actor.agency)}
    attempts = AccessAttempt.objects.filter(
        username__in=list(members), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")
    return [
        Lockout(members[row.username], row.failures_since_start, row.attempt_time)
        for row in attempts
        if row.username in members
    ]


@transaction.atomic
def lockout_lift(*, actor: User, user_id: int) -> User:
    """Unlock a member of the actor's agency; another agency's person is a 404."""
    if not may_unlock(actor):
        raise ApplicationError(_("Only your agency's administrator can unlock an account."))
    assert actor.agency is not None
    user = agency_members(actor.agency).filter(pk=user_id).first()
    if user is None:
        raise Http404
    from axes.utils import reset

    reset(username=user.username)
    audit_record(actor=actor, action="login.unlock", obj=user)
    return user
