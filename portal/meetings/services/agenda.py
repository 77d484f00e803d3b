"""The agenda (its items link cases and referrals), and cases shared for a meeting.

A case linked on the agenda keeps its own visibility. The organiser may share it for the
meeting: every participant who could not see it gets view access personally (a user-level
grant, narrower than opening it to their whole agency), recorded as a CaseShareGrant so
that exactly those grants are taken back when the minutes are approved or the meeting is
cancelled. Every share and every end of a share is audited on the meeting and on the case.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.models import Case, CaseAssignment
from portal.cases.permissions import CasePerm, can_work, cases_visible_to
from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import User
from portal.core.notifications import notify
from portal.core.permissions import grant_to_user, revoke_from_user
from portal.core.stored_text import stored_text
from portal.referrals.models import Referral
from portal.referrals.permissions import referrals_visible_to

from ..models import AgendaItem, CaseShare, CaseShareGrant, Meeting
from ..permissions import require_open, require_organiser
from .common import lock

SHARE_PERMS = ["view_case"]


@transaction.atomic
def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    case: Case | None = None,
    referral: Referral | None = None,
    notes: str = "",
) -> AgendaItem:
    """Add a point to the agenda, optionally about a case or a referral the organiser sees."""
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    require_open(meeting)
    title = title.strip()
    if not title:
        raise ApplicationError(_("An agenda item needs a title."), field="title")
    if case is not None and not cases_visible_to(actor).filter(pk=case.pk).exists():
        # Not "does not exist": the organiser must not learn of cases they cannot see.
        raise ApplicationError(_("You can only link a case you can see."), field="case")
    if referral is not None and not referrals_visible_to(actor).filter(pk=referral.pk).exists():
        raise ApplicationError(_("You can only link a referral you can see."), field="referral")
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=last + 1,
        title=title,
        case=case,
        referral=referral,
        notes=notes.strip(),
        created_by=actor,
    )
    # The meeting's history is read by every participant: it names the item, not the case or
    # referral (their own histories record the link, for those who may see them).
    note = f"{item.position}. {title}"
    audit_record(actor=actor, action="meeting.agenda_item_add", obj=meeting, note=note)
    for linked in (case, referral):
        if linked is not None:
            audit_record(actor=actor, action="meeting.agenda_link", obj=linked, note=meeting.title)
    return item


@transaction.atomic
def case_share_for_meeting(*, actor: User, meeting: Meeting, item: AgendaItem) -> CaseShare:
    """Open the case of an agenda item to the participants who cannot see it, until the
    minutes are approved."""
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    require_open(meeting)
    if item.meeting_id != meeting.pk:
        raise ApplicationError(_("This agenda item belongs to another meeting."))
    case = item.case
    if case is None:
        raise ApplicationError(_("This agenda item links no case."))
    if not can_work(actor, case):
        raise ApplicationError(_("Only someone who works this case can share it."))
    if CaseShare.objects.filter(meeting=meeting, case=case, revoked_at__isnull=True).exists():
        raise ApplicationError(_("This case is already shared for the meeting."))
    share = CaseShare.objects.create(meeting=meeting, case=case, shared_by=actor)
    granted = _grant(share, list(User.objects.filter(meeting_participations__meeting=meeting)))
    names = ", ".join(user.get_username() for user in granted) or "-"
    note = f"{item.position}. {item.title}: {names}"
    audit_record(actor=actor, action="meeting.case_share", obj=meeting, note=note)
    audit_record(
        actor=actor, action="case.meeting_share", obj=case, note=f"{meeting.title}: {names}"
    )
    if granted:
        transaction.on_commit(
            lambda: notify(
                recipients=granted,
                title=stored_text(
                    gettext_lazy("Case %(number)s is shared with you for a meeting"),
                    number=case.number,
                ),
                body=stored_text(
                    gettext_lazy("You can read it until the minutes of “%(title)s” are approved."),
                    title=meeting.title,
                ),
                url=reverse("cases:detail", kwargs={"pk": case.pk}),
                email=False,
            )
        )
    return share


def _grant(share: CaseShare, users: list[User]) -> list[User]:
    """Grant view access to those of `users` who cannot see the case but through another
    meeting's share (or not at all); returns them. Recording the grant even when another share
    already gave it lets each share end without taking away what the other still grants."""
    shared_elsewhere = set(
        CaseShareGrant.objects.filter(
            share__case_id=share.case_id, share__revoked_at__isnull=True, user__in=users
        ).values_list("user_id", flat=True)
    )
    # One query per person: a meeting has a handful of participants.
    granted = [
        user
        for user in users
        if user.pk in shared_elsewhere
        or not cases_visible_to(user, CasePerm.VIEW).filter(pk=share.case_id).exists()
    ]
    for user in granted:
        grant_to_user(user, SHARE_PERMS, share.case)
    CaseShareGrant.objects.bulk_create(CaseShareGrant(share=share, user=user) for user in granted)
    return granted


def share_grant_to_participant(*, actor: User, meeting: Meeting, user: User) -> None:
    """A participant added while cases are shared gets them too (inside the caller's
    transaction)."""
    for share in CaseShare.objects.filter(meeting=meeting, revoked_at__isnull=True).select_related(
        "case"
    ):
        if _grant(share, [user]):
            audit_record(
                actor=actor,
                action="case.meeting_share",
                obj=share.case,
                note=f"{meeting.title}: {user.get_username()}",
            )


def shares_end(
    *, actor: User | None, meeting: Meeting, reason: str, user: User | None = None
) -> int:
    """Take back what the meeting's open shares granted (to one person, or to all and end the
    shares); runs inside the caller's transaction. Returns the number of grants taken back."""
    shares = CaseShare.objects.filter(meeting=meeting, revoked_at__isnull=True).select_related(
        "case"
    )
    taken = 0
    for share in shares:
        grants = share.grants.select_related("user")
        if user is not None:
            grants = grants.filter(user=user)
        names = []
        for grant in grants:
            if not _still_needed(share, grant.user):
                revoke_from_user(grant.user, SHARE_PERMS, share.case)
            names.append(grant.user.get_username())
            grant.delete()
            taken += 1
        if user is None:
            share.revoked_at = timezone.now()
            share.save(update_fields=["revoked_at"])
        if user is None or names:
            note = stored_text(
                "%(title)s: %(names)s (%(reason)s)",
                title=meeting.title,
                names=", ".join(names) or "-",
                reason=reason,
            )
            audit_record(actor=actor, action="case.meeting_share_end", obj=share.case, note=note)
    if user is None and shares:
        audit_record(actor=actor, action="meeting.case_share_end", obj=meeting, note=reason)
    return taken


def _still_needed(share: CaseShare, user: User) -> bool:
    """The same person may hold the case through another open share, or (a guardian grant
    being one row whatever its source) through an assignment under an appointment."""
    other_share = CaseShareGrant.objects.filter(
        user=user, share__case=share.case, share__revoked_at__isnull=True
    ).exclude(share=share)
    assigned = CaseAssignment.objects.filter(
        case=share.case, user=user, ended_at__isnull=True, appointment__isnull=False
    )
    return other_share.exists() or assigned.exists()
