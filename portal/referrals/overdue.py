"""The overdue sweep: steps of referrals past their deadline are marked, the receiving
agency's admins and the sender's author are told, and after the policy's second interval the
matter escalates to the sender's admins and the receiver's leaders too.

Idempotent (each notification carries a dedupe key; marked deadlines are not marked again)
and a fixed number of queries however many referrals are late."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from portal.core.models import Deadline, Role, User
from portal.core.notifications import NotificationItem, notify_bulk
from portal.core.stored_text import stored_text

from .models import Referral
from .services import referral_url


@dataclass(frozen=True)
class SweepResult:
    overdue: int  # deadlines newly marked overdue
    escalated: int  # deadlines newly escalated
    notifications: int


def _escalation_due(deadline: Deadline, today: datetime.date) -> bool:
    return (today - deadline.due_on).days > deadline.policy.escalate_after_days


@transaction.atomic
def referral_overdue_sweep(*, today: datetime.date | None = None) -> SweepResult:
    """Mark and announce the referral steps that are late; escalate those long late."""
    today = today or timezone.localdate()
    now = timezone.now()
    late = list(
        Deadline.objects.select_for_update(of=("self",))
        .filter(
            content_type=ContentType.objects.get_for_model(Referral),
            met_at__isnull=True,
            due_on__lt=today,
            escalated_at__isnull=True,
        )
        .select_related("policy")
    )
    to_mark = [d for d in late if d.overdue_notified_at is None]
    to_escalate = [d for d in late if _escalation_due(d, today)]
    if not to_mark and not to_escalate:
        return SweepResult(0, 0, 0)
    referrals = {
        referral.pk: referral
        for referral in Referral.objects.filter(pk__in={d.object_id for d in late})
        .select_related("receiver_agency", "author")
        # What the notifications need, no more: a sweep may load thousands of referrals.
        .only(
            "number",
            "sender_agency",
            "receiver_agency__short_name",
            "receiver_agency__code",
            "author__is_active",
        )
    }
    admins, leaders = _admins_and_leaders(referrals.values())
    # One URL per referral, not one per notification: reverse() is the costliest step of a
    # sweep over thousands of late steps.
    urls = {pk: referral_url(referral) for pk, referral in referrals.items()}
    texts = _texts()
    items: list[NotificationItem] = []
    for deadline in to_mark:
        referral = referrals[deadline.object_id]
        recipients = [*admins[referral.receiver_agency_id], referral.author]
        items += _items(recipients, referral, deadline, urls[referral.pk], texts, escalated=False)
    for deadline in to_escalate:
        referral = referrals[deadline.object_id]
        recipients = [
            *admins[referral.receiver_agency_id],
            referral.author,
            *admins[referral.sender_agency_id],
            *leaders[referral.receiver_agency_id],
        ]
        items += _items(recipients, referral, deadline, urls[referral.pk], texts, escalated=True)
    created = notify_bulk(items)
    if to_mark:
        Deadline.objects.filter(pk__in=[d.pk for d in to_mark]).update(overdue_notified_at=now)
    if to_escalate:
        Deadline.objects.filter(pk__in=[d.pk for d in to_escalate]).update(escalated_at=now)
    return SweepResult(len(to_mark), len(to_escalate), len(created))


def _admins_and_leaders(
    referrals: Iterable[Referral],
) -> tuple[dict[int, list[User]], dict[int, list[User]]]:
    """The admins and leaders of every agency involved, in one query."""
    agency_ids: set[int] = set()
    for referral in referrals:
        agency_ids |= {referral.sender_agency_id, referral.receiver_agency_id}
    people = (
        User.objects.filter(
            is_active=True, membership__active=True, membership__agency_id__in=agency_ids
        )
        .filter(
            Q(membership__roles__icontains=f'"{Role.AGENCY_ADMIN}"')
            | Q(membership__roles__icontains=f'"{Role.LEADER}"')
        )
        .select_related("membership")
    )
    admins: dict[int, list[User]] = defaultdict(list)
    leaders: dict[int, list[User]] = defaultdict(list)
    for person in people:
        membership = person.membership
        if Role.AGENCY_ADMIN in membership.roles:
            admins[membership.agency_id].append(person)
        if Role.LEADER in membership.roles:
            leaders[membership.agency_id].append(person)
    return admins, leaders


def _texts() -> dict[str, Promise]:
    """The notifications' texts, stored by msgid and shown in each reader's language."""
    return {
        "escalated": gettext_lazy("Escalated: %(step)s of referral %(number)s is long overdue"),
        "overdue": gettext_lazy("Overdue: %(step)s of referral %(number)s"),
        "body": gettext_lazy("%(step)s was due on %(due)s (%(receiver)s)."),
    }


def _items(
    recipients: list[User],
    referral: Referral,
    deadline: Deadline,
    url: str,
    texts: dict[str, Promise],
    *,
    escalated: bool,
) -> list[NotificationItem]:
    values = {
        "step": deadline.policy.label,
        "number": referral.number,
        "due": deadline.due_on.isoformat(),
        "receiver": referral.receiver_agency.label,
    }
    if escalated:
        title = stored_text(texts["escalated"], **values)
        key = f"referral-escalated-{deadline.pk}"
    else:
        title = stored_text(texts["overdue"], **values)
        key = f"referral-overdue-{deadline.pk}"
    body = stored_text(texts["body"], **values)
    unique = {user.pk: user for user in recipients if user.is_active}
    return [
        NotificationItem(recipient_id=pk, title=title, body=body, url=url, dedupe_key=key)
        for pk in unique
    ]
