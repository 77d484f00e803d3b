"""The overdue sweep of clues, as for referrals: a clock past its date is marked and the
clue's inspector (or its squad) and the bureau's admins are told; after the policy's second
interval it escalates to the bureau's leaders too. Idempotent (a dedupe key per notification;
marked clocks are not marked again) and a fixed number of queries however many are late."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.models import Agency, Deadline, Role, User
from portal.core.notifications import NotificationItem, notify_bulk

from .models import Clue, Squad
from .services import clue_url


@dataclass(frozen=True)
class SweepResult:
    overdue: int
    escalated: int
    notifications: int


@transaction.atomic
def clue_overdue_sweep(*, today: datetime.date | None = None) -> SweepResult:
    """Mark and announce the clue clocks that are late; escalate those long late."""
    today = today or timezone.localdate()
    now = timezone.now()
    late = list(
        Deadline.objects.select_for_update(of=("self",))
        .filter(
            content_type=ContentType.objects.get_for_model(Clue),
            met_at__isnull=True,
            due_on__lt=today,
            escalated_at__isnull=True,
        )
        .select_related("policy")
    )
    to_mark = [d for d in late if d.overdue_notified_at is None]
    to_escalate = [d for d in late if (today - d.due_on).days > d.policy.escalate_after_days]
    if not to_mark and not to_escalate:
        return SweepResult(0, 0, 0)
    clues = {
        clue.pk: clue
        for clue in Clue.objects.filter(pk__in={d.object_id for d in late}).only(
            "source", "source_reference", "employer_name", "squad_id", "assignee_id"
        )
    }
    squads = _squad_members({clue.squad_id for clue in clues.values() if clue.squad_id})
    admins, leaders = _bureau_people()
    items: list[NotificationItem] = []
    for deadline in to_mark:
        clue = clues[deadline.object_id]
        workers = [clue.assignee_id] if clue.assignee_id else squads.get(clue.squad_id or 0, [])
        items += _items([*workers, *admins], clue, deadline, escalated=False)
    for deadline in to_escalate:
        clue = clues[deadline.object_id]
        items += _items([*admins, *leaders], clue, deadline, escalated=True)
    created = notify_bulk(items)
    if to_mark:
        Deadline.objects.filter(pk__in=[d.pk for d in to_mark]).update(overdue_notified_at=now)
    if to_escalate:
        Deadline.objects.filter(pk__in=[d.pk for d in to_escalate]).update(escalated_at=now)
    return SweepResult(len(to_mark), len(to_escalate), len(created))


def _squad_members(squad_ids: set[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    through = Squad.members.through
    for squad_id, user_id in through.objects.filter(
        squad_id__in=squad_ids, user__is_active=True
    ).values_list("squad_id", "user_id"):
        members[squad_id].append(user_id)
    return members


def _bureau_people() -> tuple[list[int], list[int]]:
    """The bureau's active admins and leaders, in one query."""
    admins, leaders = [], []
    for pk, roles in User.objects.filter(
        is_active=True, membership__active=True, membership__agency__code=Agency.BUREAU
    ).values_list("pk", "membership__roles"):
        if Role.AGENCY_ADMIN in roles:
            admins.append(pk)
        if Role.LEADER in roles:
            leaders.append(pk)
    return admins, leaders


def _items(
    recipients: list[int], clue: Clue, deadline: Deadline, *, escalated: bool
) -> list[NotificationItem]:
    values = {
        "step": deadline.policy.name,
        "reference": str(clue),
        "due": deadline.due_on.isoformat(),
        "employer": clue.employer_name,
    }
    if escalated:
        title = _("Escalated: %(step)s of clue %(reference)s is long overdue") % values
        key = f"clue-escalated-{deadline.pk}"
    else:
        title = _("Overdue: %(step)s of clue %(reference)s") % values
        key = f"clue-overdue-{deadline.pk}"
    body = _("%(step)s was due on %(due)s (%(employer)s).") % values
    url = clue_url(clue)
    return [
        NotificationItem(recipient_id=pk, title=title, body=body, url=url, dedupe_key=key)
        for pk in dict.fromkeys(recipients)
    ]
