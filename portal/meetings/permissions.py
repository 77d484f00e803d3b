"""Who sees a meeting and who may make which move.

Visibility (object permissions): the organising agency's group, the groups of the agencies
of its participants, and (once minutes are approved) the groups of agencies that own an
action item see the meeting. A case linked on the agenda keeps its own rules: a participant
whose agency cannot see it reads the item's title only, unless the organiser shares the case
for the meeting, which grants that person view access until the minutes are approved.

Role rules, checked in the services (the moves' as data in MOVES and ACTION_ITEM_MOVES):
- organise (edit, propose times, fix one, agenda, share a case, write the minutes, cancel):
  staff with a working role of the organising agency;
- vote in the poll and answer the invitation: the participants;
- approve the minutes: the organiser, or an administrator of the organising agency;
- complete an action item: its owner, or staff with a working role of its owner agency.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.core.errors import ApplicationError
from portal.core.models import Agency, Role, User
from portal.core.permissions import (
    grant_to_agency,
    load_or_404,
    revoke_from_agency,
    scoped_queryset,
)
from portal.core.roles import STAFF_ROLES, has_role
from portal.core.transitions import MoveTable, internal, rule

from .models import (
    ActionItem,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Participant,
)
from .models import MeetingStatus as S


class MeetingPerm(StrEnum):
    VIEW = "meetings.view_meeting"


AGENCY_PERMS = ["view_meeting"]


def access_meeting(user: User, pk: object, perm: str = MeetingPerm.VIEW) -> Meeting:
    """The meeting, if the user's agency takes part in it; 404 otherwise."""
    queryset = Meeting.objects.select_related("organiser_agency", "organiser", "room")
    return load_or_404(user, perm, queryset, pk)


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    return scoped_queryset(user, MeetingPerm.VIEW, Meeting.objects.all())


# --- role rules ------------------------------------------------------------------------------


def can_organise(user: User, meeting: Meeting) -> bool:
    return has_role(user, *STAFF_ROLES, agency=meeting.organiser_agency)


def can_create(user: User) -> bool:
    agency = user.agency
    return agency is not None and agency.is_member and has_role(user, *STAFF_ROLES)


def can_approve(user: User, meeting: Meeting) -> bool:
    if user.agency != meeting.organiser_agency:
        return False
    return user.pk == meeting.organiser_id or has_role(user, Role.AGENCY_ADMIN)


def can_complete(user: User, item: ActionItem) -> bool:
    if user.agency != item.owner_agency:
        return False
    return user.pk == item.owner_user_id or has_role(user, *STAFF_ROLES)


def participant_of(user: User, meeting: Meeting) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(meeting=meeting, user=user).first()


# What the pages offer beside the moves: the organiser's work on an open meeting, the poll
# while a time is being found, the invitation's answer once it is fixed, the minutes' draft.


def may_organise_now(user: User, meeting: Meeting) -> bool:
    return meeting.is_open and can_organise(user, meeting)


def is_polling(meeting: Meeting) -> bool:
    return meeting.status == S.PLANNING


def is_scheduled(meeting: Meeting) -> bool:
    """Its time is fixed and it is still to be held or minuted."""
    return meeting.status == S.SCHEDULED


def may_answer(participant: Participant | None, meeting: Meeting) -> bool:
    return participant is not None and is_scheduled(meeting)


def may_write_minutes(user: User, meeting: Meeting) -> bool:
    return is_scheduled(meeting) and can_organise(user, meeting)


def removable(meeting: Meeting, participant: Participant) -> bool:
    """Anyone invited may be taken off the meeting but its organiser."""
    return participant.user_id != meeting.organiser_id


def organisers_only(meeting: Meeting) -> str:
    """What someone who may not organise the meeting is told."""
    return str(_ORGANISERS_ONLY) % _agency(meeting)


def require_organiser(actor: User, meeting: Meeting) -> None:
    if not can_organise(actor, meeting):
        raise ApplicationError(organisers_only(meeting))


def require_open(meeting: Meeting) -> None:
    if not meeting.is_open:
        raise ApplicationError(str(_WRONG_STATE[meeting.status]))


# --- the moves -------------------------------------------------------------------------------


class Move(StrEnum):
    UPDATE = "update"  # change what the invitation says; keeps the state
    FIX = "fix"  # fix a proposed time: the meeting is scheduled
    CANCEL = "cancel"
    MINUTES_APPROVE = "minutes_approve"  # approving the minutes closes the meeting


_ORGANISERS_ONLY = _("Only staff of the organising agency (%(agency)s) can do this.")

# A move refused for the meeting's state is told in the words of that state.
_WRONG_STATE: dict[str, Promise] = {
    S.CANCELLED: _("The meeting was cancelled."),
    S.CLOSED: _("The minutes are approved: the meeting can no longer be changed."),
}
_WRONG_STATE_OF_MOVE: dict[tuple[str, str], Promise] = {
    (Move.FIX, S.SCHEDULED): _("The time is already fixed: the poll is closed."),
    (Move.MINUTES_APPROVE, S.PLANNING): _("Minutes can be written once the time is fixed."),
    (Move.MINUTES_APPROVE, S.CLOSED): _("The minutes are approved and can no longer be changed."),
}


def _agency(meeting: Meeting) -> dict[str, str]:
    return {"agency": meeting.organiser_agency.short_name}


class MeetingMoves(MoveTable[Meeting]):
    """The meeting's table: its refusals name the organising agency, and a state that forbids
    the move is told in words that fit it (cancelled, closed, already fixed)."""

    def check(
        self, actor: User | None, obj: Meeting, move: str, expected_version: int | None
    ) -> None:
        if not self.role_allows(actor, obj, move):
            raise ApplicationError(str(self.moves[move].refusal) % _agency(obj))
        if expected_version is not None and obj.version != expected_version:
            raise ApplicationError(str(self.stale))
        if not self.possible(obj, move):
            raise ApplicationError(self.state_refusal(obj, move))

    def state_refusal(self, meeting: Meeting, move: str) -> str:
        """What someone is told when the meeting's state forbids `move`."""
        refusal = _WRONG_STATE_OF_MOVE.get((move, meeting.status)) or _WRONG_STATE.get(
            meeting.status
        )
        return str(refusal or self.wrong_state) % {"status": meeting.get_status_display()}


STALE = _("The meeting changed meanwhile; reload the page.")

MOVES = MeetingMoves(
    model=Meeting,
    audit_prefix="meeting",
    select_related=("organiser_agency", "organiser", "room"),
    stale=STALE,
    wrong_state=_("This cannot be done while the meeting is “%(status)s”."),
    moves={
        Move.UPDATE: rule({S.PLANNING, S.SCHEDULED}, None, can_organise, _ORGANISERS_ONLY),
        Move.FIX: rule({S.PLANNING}, S.SCHEDULED, can_organise, _ORGANISERS_ONLY),
        Move.CANCEL: rule({S.PLANNING, S.SCHEDULED}, S.CANCELLED, can_organise, _ORGANISERS_ONLY),
        Move.MINUTES_APPROVE: rule(
            {S.SCHEDULED},
            S.CLOSED,
            can_approve,
            _("Only the organiser or an administrator of %(agency)s can approve the minutes."),
        ),
    },
)


class MinutesMove(StrEnum):
    APPROVE = "approve"  # made by minutes_approve, with the meeting's MINUTES_APPROVE


MINUTES_MOVES: MoveTable[Minutes] = MoveTable(
    model=Minutes,
    audit_prefix="minutes",
    stale=STALE,
    wrong_state=_("The minutes are approved and can no longer be changed."),
    moves={MinutesMove.APPROVE: rule({MinutesStatus.DRAFT}, MinutesStatus.APPROVED, internal)},
)


class ActionItemMove(StrEnum):
    COMPLETE = "complete"


class ActionItemMoves(MoveTable[ActionItem]):
    """Refusals name the owner agency; an item of minutes not yet approved is not followed up."""

    def check(
        self, actor: User | None, obj: ActionItem, move: str, expected_version: int | None
    ) -> None:
        if not self.role_allows(actor, obj, move):
            values = {"agency": obj.owner_agency.short_name}
            raise ApplicationError(str(self.moves[move].refusal) % values)
        if expected_version is not None and obj.version != expected_version:
            raise ApplicationError(str(self.stale))
        if not _followed_up(obj):
            raise ApplicationError(
                str(_("Action items are followed up once the minutes are approved."))
            )
        super().check(actor, obj, move, expected_version)


def _followed_up(item: ActionItem) -> bool:
    return item.meeting.status == MeetingStatus.CLOSED


ACTION_ITEM_MOVES = ActionItemMoves(
    model=ActionItem,
    audit_prefix="action_item",
    select_related=("owner_agency", "meeting"),
    stale=STALE,
    wrong_state=_("This action item is already done."),
    moves={
        ActionItemMove.COMPLETE: rule(
            {ActionItemStatus.OPEN},
            ActionItemStatus.DONE,
            can_complete,
            _("Only %(agency)s can report this action item done."),
            when=_followed_up,
        ),
    },
)


def available_moves(user: User, meeting: Meeting) -> set[str]:
    """The moves the user may make now: the buttons of the meeting's pages."""
    return MOVES.available(user, meeting)


def completable(user: User, items: list[ActionItem]) -> set[int]:
    """The action items the user may report done now (read from the meeting's related
    manager, each item holds its meeting already)."""
    return {item.pk for item in items if ACTION_ITEM_MOVES.can(user, item, ActionItemMove.COMPLETE)}


def grant_meeting_to_agency(meeting: Meeting, agency: Agency) -> None:
    grant_to_agency(agency, AGENCY_PERMS, meeting)


def revoke_meeting_from_agency(meeting: Meeting, agency: Agency) -> None:
    revoke_from_agency(agency, AGENCY_PERMS, meeting)
