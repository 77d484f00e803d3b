"""Who sees a meeting and who may make which move.

Visibility (object permissions): the organising agency's group, the groups of the agencies
of its participants, and (once minutes are approved) the groups of agencies that own an
action item see the meeting. A case linked on the agenda keeps its own rules: a participant
whose agency cannot see it reads the item's title only, unless the organiser shares the case
for the meeting, which grants that person view access until the minutes are approved.

Role rules, checked in the services:
- organise (edit, propose times, fix one, agenda, share a case, write the minutes, cancel):
  staff with a working role of the organising agency;
- vote in the poll and answer the invitation: the participants;
- approve the minutes: the organiser, or an administrator of the organising agency;
- complete an action item: its owner, or staff with a working role of its owner agency.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet

from portal.core.models import Agency, Role, User
from portal.core.permissions import (
    grant_to_agency,
    load_or_404,
    revoke_from_agency,
    scoped_queryset,
)
from portal.core.roles import STAFF_ROLES, has_role

from .models import ActionItem, Meeting, Participant


class MeetingPerm(StrEnum):
    VIEW = "meetings.view_meeting"


AGENCY_PERMS = ["view_meeting"]


def access_meeting(user: User, pk: object) -> Meeting:
    """The meeting, if the user's agency takes part in it; 404 otherwise."""
    return load_or_404(
        user,
        MeetingPerm.VIEW,
        Meeting.objects.select_related("organiser_agency", "organiser", "room"),
        pk,
    )


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    return scoped_queryset(user, MeetingPerm.VIEW, Meeting.objects.all())


def can_organise(user: User, meeting: Meeting) -> bool:
    return has_role(user, *STAFF_ROLES, agency=meeting.organiser_agency)


def can_create(user: User) -> bool:
    agency = user.agency
    return agency is not None and agency.is_member and has_role(user, *STAFF_ROLES)


def can_approve(user: User, meeting: Meeting) -> bool:
    if user.agency != meeting.organiser_agency:
        return False
    return user.pk == meeting.organiser_id or has_role(user, Role.AGENCY_ADMIN)


def participant_of(user: User, meeting: Meeting) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(meeting=meeting, user=user).first()


def can_complete(user: User, item: ActionItem) -> bool:
    if user.agency != item.owner_agency:
        return False
    return user.pk == item.owner_user_id or has_role(user, *STAFF_ROLES)


def grant_meeting_to_agency(meeting: Meeting, agency: Agency) -> None:
    grant_to_agency(agency, AGENCY_PERMS, meeting)


def revoke_meeting_from_agency(meeting: Meeting, agency: Agency) -> None:
    revoke_from_agency(agency, AGENCY_PERMS, meeting)
