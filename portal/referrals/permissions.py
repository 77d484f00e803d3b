"""Who may see a referral and who may make each move.

Visibility (object permissions): the sending agency's group may view its referral from the
draft on; the receiving agency's group from the moment it is sent, and for good (a returned
or withdrawn referral stays the two agencies' shared record). Role rules: MOVES below (docs/referrals.md
shows them); services check them, views only use them to show the right buttons.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.core.models import Agency, Role, User
from portal.core.permissions import grant_to_agency, load_or_404, scoped_queryset
from portal.core.roles import has_role
from portal.core.transitions import MoveTable, RoleRule, Rule, rule

from .models import Referral
from .models import ReferralStatus as S


class ReferralPerm(StrEnum):
    VIEW = "referrals.view_referral"


AGENCY_PERMS = ["view_referral"]
WORKING_ROLES = (Role.MEDIATOR, Role.ARBITRATOR, Role.INSPECTOR, Role.LIAISON, Role.AGENCY_ADMIN)


class Move(StrEnum):
    SEND = "send"
    RESEND = "resend"
    WITHDRAW = "withdraw"
    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    RETURN = "return"
    REQUEST_SUPPLEMENT = "request_supplement"
    GIVE_FEEDBACK = "give_feedback"
    REQUEST_MORE = "request_more"
    CLOSE = "close"
    REOPEN = "reopen"
    RECORD = "record"
    RECORD_OUTCOME = "record_outcome"


class Side(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"


class Who(StrEnum):
    WORKING = "working"  # any working role of the side's agency (not a read-only leader)
    ADMIN = "admin"  # an admin of the side's agency
    AUTHOR_OR_ADMIN = "author_or_admin"  # the referral's author (still there), or an admin


def _role(side: Side, who: Who) -> RoleRule:
    """The role rule `who` on `side` as a function of the user and the referral."""

    def allowed(user: User, referral: Referral) -> bool:
        agency = referral.sender_agency if side == Side.SENDER else referral.receiver_agency
        if who == Who.ADMIN:
            return has_role(user, Role.AGENCY_ADMIN, agency=agency)
        if who == Who.AUTHOR_OR_ADMIN:
            if has_role(user, Role.AGENCY_ADMIN, agency=agency):
                return True
            return user.pk == referral.author_id and has_role(user, *WORKING_ROLES, agency=agency)
        return has_role(user, *WORKING_ROLES, agency=agency)

    return allowed


def _member(referral: Referral) -> bool:
    return not referral.is_external


def _external(referral: Referral) -> bool:
    return referral.is_external


def _move(
    sources: set[str],
    target: str,
    side: Side,
    who: Who,
    refusal: Promise,
    *,
    external: bool = False,
) -> Rule:
    return rule(sources, target, _role(side, who), refusal, when=_external if external else _member)


MOVES: MoveTable[Referral] = MoveTable(
    model=Referral,
    audit_prefix="referral",
    select_related=("sender_agency", "receiver_agency", "case", "author"),
    stale=_("The referral changed meanwhile; reload the page."),
    wrong_state=_("This cannot be done while the referral is “%(status)s”."),
    moves={
        Move.SEND: _move(
            {S.DRAFT},
            S.SENT,
            Side.SENDER,
            Who.AUTHOR_OR_ADMIN,
            _("Only the author or an administrator of the sending agency can send it."),
        ),
        Move.RESEND: _move(
            {S.SUPPLEMENT_REQUESTED},
            S.SENT,
            Side.SENDER,
            Who.AUTHOR_OR_ADMIN,
            _("Only the author or an administrator of the sending agency can send it again."),
        ),
        Move.WITHDRAW: _move(
            {S.SENT},
            S.WITHDRAWN,
            Side.SENDER,
            Who.AUTHOR_OR_ADMIN,
            _("Only the author or an administrator of the sending agency can withdraw it."),
        ),
        Move.ACKNOWLEDGE: _move(
            {S.SENT},
            S.ACKNOWLEDGED,
            Side.RECEIVER,
            Who.WORKING,
            _("Only staff of the receiving agency can acknowledge it."),
        ),
        Move.ACCEPT: _move(
            {S.ACKNOWLEDGED},
            S.ACCEPTED,
            Side.RECEIVER,
            Who.ADMIN,
            _("Only an administrator of the receiving agency can accept it."),
        ),
        Move.RETURN: _move(
            {S.ACKNOWLEDGED},
            S.RETURNED,
            Side.RECEIVER,
            Who.ADMIN,
            _("Only an administrator of the receiving agency can return it."),
        ),
        Move.REQUEST_SUPPLEMENT: _move(
            {S.ACKNOWLEDGED},
            S.SUPPLEMENT_REQUESTED,
            Side.RECEIVER,
            Who.WORKING,
            _("Only staff of the receiving agency can ask for more material."),
        ),
        Move.GIVE_FEEDBACK: _move(
            {S.ACCEPTED},
            S.FEEDBACK_GIVEN,
            Side.RECEIVER,
            Who.WORKING,
            _("Only staff of the receiving agency can give feedback."),
        ),
        Move.REQUEST_MORE: _move(
            {S.FEEDBACK_GIVEN},
            S.ACCEPTED,
            Side.SENDER,
            Who.AUTHOR_OR_ADMIN,
            _("Only the author or an administrator of the sending agency can ask for more."),
        ),
        Move.CLOSE: _move(
            {S.FEEDBACK_GIVEN},
            S.CLOSED,
            Side.SENDER,
            Who.AUTHOR_OR_ADMIN,
            _("Only the author or an administrator of the sending agency can close it."),
        ),
        Move.REOPEN: _move(
            {S.CLOSED},
            S.ACCEPTED,
            Side.SENDER,
            Who.ADMIN,
            _("Only an administrator of the sending agency can reopen it."),
        ),
        Move.RECORD: _move(
            {S.DRAFT},
            S.RECORDED,
            Side.SENDER,
            Who.AUTHOR_OR_ADMIN,
            _("Only the author or an administrator of the sending agency can record it."),
            external=True,
        ),
        Move.RECORD_OUTCOME: _move(
            {S.RECORDED},
            S.OUTCOME_RECORDED,
            Side.SENDER,
            Who.WORKING,
            _("Only staff of the sending agency can record the outcome."),
            external=True,
        ),
    },
)


def access_referral(user: User, pk: object, perm: str = ReferralPerm.VIEW) -> Referral:
    """The referral, if the user's agency may see it; 404 otherwise (also for a superuser)."""
    queryset = Referral.objects.select_related("sender_agency", "receiver_agency", "case", "author")
    return load_or_404(user, perm, queryset, pk)


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    return scoped_queryset(user, ReferralPerm.VIEW, Referral.objects.all())


def available_moves(user: User, referral: Referral) -> set[str]:
    """The moves the user may make now: the buttons of the detail page."""
    return MOVES.available(user, referral)


def can_draft(user: User) -> bool:
    """Staff with a working role draft referrals for their own agency."""
    agency = user.agency if user.is_authenticated else None
    return agency is not None and agency.is_member and has_role(user, *WORKING_ROLES)


def can_reveal(user: User, referral: Referral) -> bool:
    """Working staff of either side may see the whole numbers typed into the referral's texts
    (each time audited); the leader and everyone else read them masked."""
    return any(
        has_role(user, *WORKING_ROLES, agency=agency)
        for agency in (referral.sender_agency, referral.receiver_agency)
    )


def can_edit(user: User, referral: Referral) -> bool:
    """Working staff of the sender change a draft, or a referral sent back for more material."""
    return referral.status in (S.DRAFT, S.SUPPLEMENT_REQUESTED) and has_role(
        user, *WORKING_ROLES, agency=referral.sender_agency
    )


def grant_referral_to_agency(referral: Referral, agency: Agency) -> None:
    grant_to_agency(agency, AGENCY_PERMS, referral)
