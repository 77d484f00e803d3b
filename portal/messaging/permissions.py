"""Who is in a conversation: whoever may see its object, now.

Membership is never stored. A case, referral or meeting conversation admits exactly the people
its object's `access_*` loader admits, so a returned referral, a revoked co-handling or a
person leaving their agency takes effect on the next read, send or relayed message. A liaison
channel admits the working staff of its agencies; a direct conversation its two people while
they are active staff."""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portal.cases.permissions import access_case, cases_visible_to
from portal.core.errors import ApplicationError
from portal.core.models import User
from portal.core.roles import STAFF_ROLES, has_role
from portal.meetings.permissions import access_meeting, meetings_visible_to
from portal.referrals.permissions import access_referral, referrals_visible_to

from .models import Conversation, ConversationKind


def is_staff_member(user: User) -> bool:
    """Active staff of a member agency with a working role (leaders read their pages only)."""
    if not user.is_authenticated or not user.is_active:
        return False
    agency = user.agency
    return agency is not None and agency.is_member and has_role(user, *STAFF_ROLES)


class ConversationPerm(StrEnum):
    # Being in the conversation: who may read it may write in it.
    VIEW = "messaging.view_conversation"


def access_conversation(user: User, pk: object, perm: str = ConversationPerm.VIEW) -> Conversation:
    """The conversation, if the user may be in it now; 404 otherwise (also for a pk that is no
    number). One query: the rule of `conversations_visible_to`."""
    if perm != ConversationPerm.VIEW:
        raise ValueError(f"a conversation has no permission {perm!r}")
    if isinstance(pk, bool) or not str(pk).isdigit():
        raise Http404
    return get_object_or_404(conversations_visible_to(user), pk=int(str(pk)))


def authorise(user: User, conversation: Conversation) -> None:
    """Raise Http404 unless the user may be in the conversation now."""
    kind = conversation.kind
    if kind == ConversationKind.CASE:
        access_case(user, conversation.case_id)
    elif kind == ConversationKind.REFERRAL:
        access_referral(user, conversation.referral_id)
    elif kind == ConversationKind.MEETING:
        access_meeting(user, conversation.meeting_id)
    elif kind == ConversationKind.LIAISON:
        agency = user.agency if user.is_authenticated else None
        if not is_staff_member(user) or agency is None:
            raise Http404
        # .all(), not a query per check: portal.messaging.access prefetches them for many
        if agency.pk not in {other.pk for other in conversation.agencies.all()}:
            raise Http404
    elif kind == ConversationKind.DIRECT:
        if not is_staff_member(user) or user.pk not in {p.pk for p in conversation.people.all()}:
            raise Http404
    else:  # pragma: no cover - a kind without a rule admits nobody
        raise Http404


def authorise_writer(user: User, conversation: Conversation) -> None:
    """Raise Http404 unless the user may be in the conversation, and ApplicationError unless
    they hold a working role: the read-only leader reads every conversation open to them and
    writes in none (a message, a file, an edit, a deletion, an acknowledgement)."""
    authorise(user, conversation)
    if not may_write(user):
        raise ApplicationError(_("You may read this conversation but not write in it."))


def may_write(user: User) -> bool:
    return has_role(user, *STAFF_ROLES)


def may_see(user: User, conversation: Conversation) -> bool:
    try:
        authorise(user, conversation)
    except Http404:
        return False
    return True


def conversations_visible_to(user: User) -> QuerySet[Conversation]:
    """Every conversation the user may be in, as one query (subqueries for the objects)."""
    if not user.is_authenticated or not user.is_active:
        return Conversation.objects.none()
    rule = (
        Q(kind=ConversationKind.CASE, case__in=cases_visible_to(user).values("pk"))
        | Q(kind=ConversationKind.REFERRAL, referral__in=referrals_visible_to(user).values("pk"))
        | Q(kind=ConversationKind.MEETING, meeting__in=meetings_visible_to(user).values("pk"))
    )
    if is_staff_member(user):
        rule |= Q(kind=ConversationKind.LIAISON, agencies=user.agency)
        rule |= Q(kind=ConversationKind.DIRECT, people=user)
    return Conversation.objects.filter(rule).distinct()
