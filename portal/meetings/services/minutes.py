"""Minutes (纪要): drafted by the organising agency, approved by the organiser, then frozen.

Approval starts a deadline on every action item (the due date the minutes give, on the
foundation's Deadline rows), ends the case shares, lets the owner agencies see the meeting
and asks the shared PDF renderer for the minutes. A daily sweep tells the owner agency's
administrators when an action item is overdue, once, and escalates it when long overdue.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.deadlines import deadline_meet
from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.models import Agency, Deadline, DeadlinePolicy, Role, User
from portal.core.notifications import NotificationItem, notify, notify_bulk
from portal.core.roles import agency_members
from portal.core.stored_text import stored_text

from ..models import (
    ACTION_ITEM_POLICY,
    ACTION_ITEM_POLICY_DEFAULTS,
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Minutes,
    Participant,
)
from ..permissions import (
    ACTION_ITEM_MOVES,
    MINUTES_MOVES,
    MOVES,
    ActionItemMove,
    MinutesMove,
    Move,
    grant_meeting_to_agency,
    require_organiser,
)
from .agenda import shares_end
from .common import lock, meeting_path
from .invitations import notify_participants
from .meetings import revoke_agency_if_unused

MINUTES_DOCUMENT = "meeting_minutes"


@dataclass
class ActionItemData:
    description: str
    owner_agency: Agency
    due_on: datetime.date
    owner_user: User | None = None


@dataclass
class MinutesData:
    summary: str = ""
    resolutions: str = ""
    discussions: dict[int, str] = field(default_factory=dict)  # agenda item pk -> text
    attended_users: set[int] = field(default_factory=set)  # user pks of participants present
    attended_guests: set[int] = field(default_factory=set)  # guest pks present
    action_items: list[ActionItemData] = field(default_factory=list)


def _require_editable(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise ApplicationError(_("The minutes are approved and can no longer be changed."))
    if meeting.status == MeetingStatus.PLANNING:
        raise ApplicationError(_("Minutes can be written once the time is fixed."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ApplicationError(_("The meeting was cancelled."))


def _clean_action_item(meeting: Meeting, item: ActionItemData) -> ActionItemData:
    description = item.description.strip()
    if not description:
        raise ApplicationError(_("Every action item needs a description."), field="action_items")
    if not item.owner_agency.is_member:
        raise ApplicationError(
            _("An action item is owned by a portal agency."), field="action_items"
        )
    if item.owner_user is not None and item.owner_user.agency != item.owner_agency:
        raise ApplicationError(
            _("%(name)s is not a member of %(agency)s.")
            % {"name": item.owner_user, "agency": item.owner_agency.short_name},
            field="action_items",
        )
    assert meeting.starts_at is not None
    if item.due_on < timezone.localtime(meeting.starts_at).date():
        raise ApplicationError(
            _("“%(action)s” cannot be due before the meeting.") % {"action": description},
            field="action_items",
        )
    return ActionItemData(description, item.owner_agency, item.due_on, item.owner_user)


@transaction.atomic
def minutes_save(*, actor: User, meeting: Meeting, data: MinutesData) -> Minutes:
    """Save the draft: attendance, the discussion per agenda item, resolutions, action items."""
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    _require_editable(meeting)
    minutes, _created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
    if minutes.is_approved:  # the meeting's status says so too; the minutes row is the truth
        raise ApplicationError(_("The minutes are approved and can no longer be changed."))
    items = [_clean_action_item(meeting, item) for item in data.action_items]
    agenda = {item.pk: item for item in meeting.agenda_items.all()}
    if set(data.discussions) - set(agenda):
        raise ApplicationError(_("One of the agenda items is not on this meeting's agenda."))
    participants = Participant.objects.filter(meeting=meeting)
    participants.filter(user_id__in=data.attended_users).update(attended=True)
    participants.exclude(user_id__in=data.attended_users).update(attended=False)
    meeting.guests.filter(pk__in=data.attended_guests).update(attended=True)
    meeting.guests.exclude(pk__in=data.attended_guests).update(attended=False)
    changed: list[AgendaItem] = []
    for pk, text in data.discussions.items():
        if agenda[pk].discussion != text.strip():
            agenda[pk].discussion = text.strip()
            changed.append(agenda[pk])
    AgendaItem.objects.bulk_update(changed, ["discussion"])
    # Before approval action items are only text: replace them all.
    previous_owners = set(meeting.action_items.values_list("owner_agency_id", flat=True))
    meeting.action_items.all().delete()
    ActionItem.objects.bulk_create(
        ActionItem(
            meeting=meeting,
            position=index,
            description=item.description,
            owner_agency=item.owner_agency,
            owner_user=item.owner_user,
            due_on=item.due_on,
        )
        for index, item in enumerate(items, start=1)
    )
    for agency in {item.owner_agency for item in items}:
        # The owner agency reads the draft too, and later its action items.
        grant_meeting_to_agency(meeting, agency)
    for agency in Agency.objects.filter(
        pk__in=previous_owners - {i.owner_agency.pk for i in items}
    ):
        revoke_agency_if_unused(meeting, agency)
    minutes.summary = data.summary.strip()
    minutes.resolutions = data.resolutions.strip()
    minutes.updated_by = actor
    minutes.save(update_fields=["summary", "resolutions", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="meeting.minutes_save",
        obj=meeting,
        note=stored_text(gettext_lazy("%(count)s action items"), count=len(items)),
    )
    return minutes


def action_item_policy() -> DeadlinePolicy:
    """The policy row (seeded by migration; recreated if a flushed test database lost it)."""
    policy, _created = DeadlinePolicy.objects.get_or_create(
        key=ACTION_ITEM_POLICY, defaults=ACTION_ITEM_POLICY_DEFAULTS
    )
    return policy


@transaction.atomic
def minutes_approve(
    *, actor: User, meeting: Meeting, expected_version: int | None = None
) -> Minutes:
    """Approve and freeze the minutes: the meeting is closed, action items start their
    deadlines, shared cases are taken back, the PDF is generated."""
    meeting = MOVES.begin(actor, meeting, Move.MINUTES_APPROVE, expected_version)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise ApplicationError(_("Write the minutes first."))
    minutes = MINUTES_MOVES.begin(actor, minutes, MinutesMove.APPROVE)
    assert meeting.starts_at is not None
    if meeting.starts_at > timezone.now():
        raise ApplicationError(_("Minutes can be approved once the meeting has begun."))
    minutes.approved_by, minutes.approved_at = actor, timezone.now()
    MINUTES_MOVES.finish(actor, minutes, MinutesMove.APPROVE, fields=["approved_by", "approved_at"])
    items = list(meeting.action_items.select_related("owner_agency", "owner_user"))
    policy = action_item_policy()
    content_type = ContentType.objects.get_for_model(ActionItem)
    today = timezone.localdate()
    for item in items:
        # The due date is the minutes' own, not counted from the policy (HAND_SET_POLICIES).
        item.deadline = Deadline.objects.create(
            policy=policy,
            content_type=content_type,
            object_id=item.pk,
            started_on=today,
            due_on=item.due_on,
        )
    ActionItem.objects.bulk_update(items, ["deadline"])
    shares_end(actor=actor, meeting=meeting, reason=stored_text(gettext_lazy("minutes approved")))
    MOVES.finish(
        actor,
        meeting,
        Move.MINUTES_APPROVE,
        after_commit=[lambda: _notify_approved(meeting, items, actor)],
    )
    document_request(actor=actor, owner=meeting, kind=MINUTES_DOCUMENT)
    return minutes


def _notify_approved(meeting: Meeting, items: list[ActionItem], actor: User) -> None:
    notify_participants(
        meeting,
        title=stored_text(gettext_lazy("Minutes approved: %(title)s"), title=meeting.title),
        exclude=actor,
    )
    for item in items:
        owners = list(agency_members(item.owner_agency, Role.AGENCY_ADMIN))
        if item.owner_user is not None:
            owners.append(item.owner_user)
        notify(
            recipients=owners,
            title=stored_text(
                gettext_lazy("Action item for %(agency)s: %(action)s"),
                agency=item.owner_agency.label,
                action=item.description,
            ),
            body=stored_text(
                gettext_lazy("Due %(due)s · %(title)s"), due=item.due_on, title=meeting.title
            ),
            url=meeting_path(meeting),
            dedupe_key=f"action-item-{item.pk}-assigned",
        )


@transaction.atomic
def action_item_complete(
    *, actor: User, item: ActionItem, note: str = "", expected_version: int | None = None
) -> ActionItem:
    """The owner agency reports an action item done; its deadline is met."""
    item = ACTION_ITEM_MOVES.begin(actor, item, ActionItemMove.COMPLETE, expected_version)
    meeting = item.meeting
    item.completed_at, item.completed_by = timezone.now(), actor
    item.completion_note = note.strip()[:300]
    deadline_meet(policy_key=ACTION_ITEM_POLICY, subject=item)
    organiser = meeting.organiser

    def tell_organiser() -> None:
        notify(
            recipients=[organiser],
            title=stored_text(gettext_lazy("Done: %(action)s"), action=item.description),
            body=f"{item.owner_agency.short_name} · {item.completion_note}",
            url=meeting_path(meeting),
            email=False,
        )

    ACTION_ITEM_MOVES.finish(
        actor,
        item,
        ActionItemMove.COMPLETE,
        fields=["completed_at", "completed_by", "completion_note"],
        note=f"{item.description} {item.completion_note}".strip(),
        after_commit=[tell_organiser],
    )
    return item


@dataclass(frozen=True)
class SweepResult:
    overdue: int  # action items newly marked overdue
    escalated: int  # action items newly escalated
    notifications: int


@transaction.atomic
def action_items_overdue_sweep(*, today: datetime.date | None = None) -> SweepResult:
    """Mark and announce overdue action items, as referrals' steps are (portal.referrals.overdue):
    the owner agency's administrators and the owner are told once; after the policy's
    escalation interval the organising agency's administrators and the owner agency's leaders
    are told too. Idempotent, and a fixed number of queries however many items are late."""
    today = today or timezone.localdate()
    now = timezone.now()
    late = list(
        ActionItem.objects.select_for_update(of=("self",))
        .filter(
            status=ActionItemStatus.OPEN,
            deadline__met_at__isnull=True,
            deadline__due_on__lt=today,
            deadline__escalated_at__isnull=True,
        )
        .select_related("deadline__policy", "meeting", "owner_agency")
    )
    to_mark = [item for item in late if item.deadline.overdue_notified_at is None]  # type: ignore[union-attr]
    to_escalate = [
        item
        for item in late
        if (today - item.deadline.due_on).days > item.deadline.policy.escalate_after_days  # type: ignore[union-attr]
    ]
    if not to_mark and not to_escalate:
        return SweepResult(0, 0, 0)
    agencies = {item.owner_agency_id for item in late} | {
        item.meeting.organiser_agency_id for item in late
    }
    admins: dict[int, list[int]] = defaultdict(list)
    leaders: dict[int, list[int]] = defaultdict(list)
    for user_id, agency_id, roles in (
        User.objects.filter(
            is_active=True, membership__active=True, membership__agency_id__in=agencies
        )
        .filter(
            Q(membership__roles__icontains=f'"{Role.AGENCY_ADMIN}"')
            | Q(membership__roles__icontains=f'"{Role.LEADER}"')
        )
        .values_list("pk", "membership__agency_id", "membership__roles")
    ):
        if Role.AGENCY_ADMIN in roles:
            admins[agency_id].append(user_id)
        if Role.LEADER in roles:
            leaders[agency_id].append(user_id)
    items: list[NotificationItem] = []
    for item in to_mark:
        owners = [*admins[item.owner_agency_id], item.owner_user_id]
        items += _overdue_items(owners, item, escalated=False)
    for item in to_escalate:
        owners = [
            *admins[item.owner_agency_id],
            item.owner_user_id,
            *admins[item.meeting.organiser_agency_id],
            *leaders[item.owner_agency_id],
        ]
        items += _overdue_items(owners, item, escalated=True)
    created = notify_bulk(items)
    if to_mark:
        Deadline.objects.filter(pk__in=[i.deadline_id for i in to_mark]).update(
            overdue_notified_at=now
        )
    if to_escalate:
        Deadline.objects.filter(pk__in=[i.deadline_id for i in to_escalate]).update(
            escalated_at=now
        )
    return SweepResult(len(to_mark), len(to_escalate), len(created))


def _overdue_items(
    recipients: list[int | None], item: ActionItem, *, escalated: bool
) -> list[NotificationItem]:
    assert item.deadline is not None
    values = {
        "action": item.description,
        "agency": item.owner_agency.label,
        "due": item.deadline.due_on.isoformat(),
        "title": item.meeting.title,
    }
    if escalated:
        title = stored_text(
            gettext_lazy("Escalated: the action item “%(action)s” is long overdue"), **values
        )
        key = f"action-item-escalated-{item.pk}"
    else:
        title = stored_text(gettext_lazy("Overdue action item: %(action)s"), **values)
        key = f"action-item-overdue-{item.pk}"
    body = stored_text(gettext_lazy("%(agency)s · due %(due)s · %(title)s"), **values)
    return [
        NotificationItem(
            recipient_id=pk, title=title, body=body, url=meeting_path(item.meeting), dedupe_key=key
        )
        for pk in dict.fromkeys(recipients)
        if pk is not None
    ]
