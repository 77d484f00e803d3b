"""Who may see a clue and who may make each move.

Clues are the bureau's alone: its inspectors, admins and leader read them, anyone else is
answered 404 (a clue referred onwards is seen by the receiver through the referral only).
Inspectors work the clues of their squad (劳监中队), admins all of the bureau's, the leader
reads. Role rules: MOVES below (docs/clues.md shows them); services check them, views only use
them to show the right buttons.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.models import Agency, Role, User
from portal.core.roles import has_role
from portal.core.transitions import MoveTable, rule

from .models import OPEN_STATES, Clue
from .models import ClueStatus as S

READING_ROLES = (Role.INSPECTOR, Role.AGENCY_ADMIN, Role.LEADER)


class CluePerm(StrEnum):
    VIEW = "view"  # read the clue: the bureau's inspectors, admins and leader
    WORK = "work"  # work on it: an inspector of its squad, or an admin


class Move(StrEnum):
    ASSIGN = "assign"
    CONTACT = "contact"
    CHECK = "check"
    CLOSE = "close"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    REFER = "refer"
    LINK_DUPLICATE = "link_duplicate"


def _bureau(user: User) -> bool:
    return user.is_authenticated and user.agency is not None and user.agency.code == Agency.BUREAU


def is_admin(user: User) -> bool:
    return _bureau(user) and has_role(user, Role.AGENCY_ADMIN)


def can_read(user: User) -> bool:
    return _bureau(user) and has_role(user, *READING_ROLES)


def can_register(user: User) -> bool:
    """The bureau's inspectors and admins register clues (the leader reads)."""
    return _bureau(user) and has_role(user, Role.INSPECTOR, Role.AGENCY_ADMIN)


def works_on(user: User, clue: Clue) -> bool:
    """An admin of the bureau, or an inspector of the clue's squad."""
    if is_admin(user):
        return True
    if not (_bureau(user) and has_role(user, Role.INSPECTOR)) or clue.squad is None:
        return False
    # members.all(): the loader prefetches them, so the buttons of a page cost no query each.
    return any(member.pk == user.pk for member in clue.squad.members.all())


def _admin_rule(user: User, clue: Clue) -> bool:
    return is_admin(user)


def _worker_rule(user: User, clue: Clue) -> bool:
    return works_on(user, clue)


def is_late(clue: Clue) -> bool:
    """Past its closing deadline and still open."""
    return (
        clue.status in OPEN_STATES
        and clue.due_on is not None
        and clue.due_on < timezone.localdate()
    )


MOVES: MoveTable[Clue] = MoveTable(
    model=Clue,
    audit_prefix="clue",
    select_related=("squad", "assignee", "conclusion"),
    stale=_("The clue changed meanwhile; reload the page."),
    wrong_state=_("This cannot be done while the clue is “%(status)s”."),
    moves={
        Move.ASSIGN: rule(
            {S.REGISTERED, S.ASSIGNED},
            S.ASSIGNED,
            _admin_rule,
            _("Only an administrator of the bureau can assign clues."),
        ),
        Move.CONTACT: rule(
            {S.ASSIGNED},
            S.CONTACTED,
            _worker_rule,
            _("Only an inspector of the clue's squad or an administrator can record it."),
        ),
        Move.CHECK: rule(
            {S.CONTACTED},
            S.CHECKED,
            _worker_rule,
            _("Only an inspector of the clue's squad or an administrator can record it."),
        ),
        Move.CLOSE: rule(
            {S.CONTACTED, S.CHECKED},
            S.CLOSED,
            _worker_rule,
            _("Only an inspector of the clue's squad or an administrator can close it."),
        ),
        Move.REOPEN: rule(
            {S.CLOSED},
            S.CONTACTED,
            _admin_rule,
            _("Only an administrator of the bureau can reopen a clue."),
        ),
        Move.SUPERVISE: rule(
            OPEN_STATES,
            None,
            _admin_rule,
            _("Only an administrator of the bureau can supervise a late clue."),
            when=is_late,
        ),
        Move.REFER: rule(
            {S.ASSIGNED, S.CONTACTED, S.CHECKED},
            None,
            _worker_rule,
            _("Only an inspector of the clue's squad or an administrator can refer it."),
        ),
        Move.LINK_DUPLICATE: rule(
            OPEN_STATES,
            None,
            _worker_rule,
            _("Only an inspector of the clue's squad or an administrator can link it."),
        ),
    },
)


def clues_visible_to(user: User, perm: str = CluePerm.VIEW) -> QuerySet[Clue]:
    """The clues `user` may read (VIEW) or work on (WORK); none outside the bureau."""
    clues = Clue.objects.all()
    if not can_read(user):
        return clues.none()
    if perm == CluePerm.WORK and not is_admin(user):
        if not has_role(user, Role.INSPECTOR):
            return clues.none()
        return clues.filter(Q(squad__members=user))
    return clues


def access_clue(user: User, pk: object, perm: str = CluePerm.VIEW) -> Clue:
    """The clue, if the user may see it (or work on it); 404 otherwise, also for a superuser."""
    queryset = (
        clues_visible_to(user, perm)
        .select_related("squad", "assignee", "conclusion", "registered_by")
        .prefetch_related("squad__members")
    )
    try:
        return queryset.get(pk=pk)  # type: ignore[misc]
    except (Clue.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def available_moves(user: User, clue: Clue) -> set[str]:
    """The moves the user may make now: the buttons of the clue page."""
    return MOVES.available(user, clue)
