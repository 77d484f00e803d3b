"""The acceptance deadline missed (《劳动争议调解仲裁法》 art. 29): a filing the committee has
not decided on within five working days. Its administrators are told, once per deadline; the
claimant's status page says that they may now take the dispute to the people's court
(portal.cases.selectors.claimant_clock)."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.models import Agency, Deadline, Role
from portal.core.notifications import NotificationItem, notify_bulk
from portal.core.roles import agency_members

from ..models import INTAKE_OPEN, Case
from .register import ACCEPTANCE_POLICY


@transaction.atomic
def acceptance_overdue_sweep(*, today: datetime.date | None = None) -> int:
    """Mark each acceptance deadline passed on an undecided filing and tell the owning
    committee's administrators. Idempotent: a marked deadline is not marked again, and each
    notification carries a dedupe key. Returns how many deadlines were marked."""
    today = today or timezone.localdate()
    late = list(
        Deadline.objects.select_for_update(of=("self",)).filter(
            content_type=ContentType.objects.get_for_model(Case),
            policy__key=ACCEPTANCE_POLICY,
            met_at__isnull=True,
            overdue_notified_at__isnull=True,
            due_on__lt=today,
        )
    )
    cases = {
        case.pk: case
        for case in Case.objects.filter(
            pk__in={d.object_id for d in late},
            status__in=INTAKE_OPEN,
            agency__code=Agency.ARBITRATION,
        ).select_related("agency")
    }
    items: list[NotificationItem] = []
    marked: list[int] = []
    admins: dict[int, list[int]] = {}
    for deadline in late:
        case = cases.get(deadline.object_id)
        if case is None:
            continue
        if case.agency_id not in admins:
            admins[case.agency_id] = list(
                agency_members(case.agency, Role.AGENCY_ADMIN).values_list("pk", flat=True)
            )
        title = _("Acceptance deadline missed: %(number)s") % {"number": case.number}
        body = _(
            "The decision on acceptance was due on %(due)s. The claimant may now take the "
            "dispute to the people's court (art. 29); decide on the filing at once."
        ) % {"due": f"{deadline.due_on:%Y-%m-%d}"}
        url = reverse("intake:detail", kwargs={"pk": case.pk})
        items += [
            NotificationItem(
                recipient_id=admin,
                title=title,
                body=body,
                url=url,
                dedupe_key=f"case.acceptance_overdue:{deadline.pk}",
            )
            for admin in admins[case.agency_id]
        ]
        marked.append(deadline.pk)
    Deadline.objects.filter(pk__in=marked).update(overdue_notified_at=timezone.now())
    notify_bulk(items)
    return len(marked)
