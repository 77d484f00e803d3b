"""The term of art. 14: 15 days from the request, longer if the parties agree; the mediator
is warned before it ends."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.deadlines import deadline_recount
from portal.core.errors import ApplicationError
from portal.core.models import Deadline, User
from portal.core.stored_text import stored_text

from ..models import OPEN_STATES, Mediation, TermExtension
from ..selectors import TERM_POLICY, term_deadline
from .common import check_conduct, locked, mediator_or_admins, notify_after_commit, required

# How many days before the term ends the mediator is warned.
TERM_WARNING_DAYS = 3


@transaction.atomic
def mediation_term_extend(
    *, actor: User, mediation: Mediation, days: int, agreement: str
) -> TermExtension:
    """Record that the parties agreed to more time; the term ends `days` later."""
    mediation = locked(mediation)
    check_conduct(actor, mediation)
    if not 1 <= days <= 60:
        raise ApplicationError(_("Extend by 1 to 60 days."), field="days")
    agreement = required(agreement, _("Say how the parties agreed to extend."), "agreement")
    deadline = term_deadline(mediation)
    if deadline is None:
        raise ApplicationError(_("This mediation has no running term."))
    before = deadline.due_on
    deadline_recount(deadline, days=(deadline.days or deadline.policy.days) + days)
    extension = TermExtension.objects.create(
        mediation=mediation,
        days=days,
        agreement=agreement,
        due_before=before,
        due_after=deadline.due_on,
        recorded_by=actor,
    )
    # The new end deserves its own warning.
    mediation.term_warned_at = None
    mediation.save(update_fields=["term_warned_at", "updated_at"])
    audit_record(
        actor=actor,
        action="mediation.term_extend",
        obj=mediation,
        note=f"{before:%Y-%m-%d} → {deadline.due_on:%Y-%m-%d}: {agreement}",
    )
    return extension


def mediation_terms_warn(*, today: datetime.date | None = None) -> int:
    """Warn the mediator (or, with none, the committee's administrators) of each running
    mediation whose term ends within TERM_WARNING_DAYS. Idempotent: each term once."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=TERM_WARNING_DAYS)
    due = Deadline.objects.filter(
        policy__key=TERM_POLICY, met_at__isnull=True, due_on__lte=horizon
    ).values("object_id")
    candidates = Mediation.objects.filter(
        pk__in=due, status__in=OPEN_STATES, term_warned_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(_warn_one(pk) for pk in candidates)


@transaction.atomic
def _warn_one(pk: int) -> int:
    # Re-checked under the lock: two beat runs at once warn once.
    mediation = (
        Mediation.objects.select_for_update(of=("self",))
        .select_related("case", "agency", "mediator")
        .get(pk=pk)
    )
    deadline = term_deadline(mediation)
    if mediation.term_warned_at is not None or deadline is None:
        return 0
    mediation.term_warned_at = timezone.now()
    mediation.save(update_fields=["term_warned_at"])
    notify_after_commit(
        mediation,
        mediator_or_admins(mediation),
        stored_text(
            gettext_lazy("The mediation term of case %(number)s ends on %(date)s"),
            number=mediation.case.number,
            date=f"{deadline.due_on:%Y-%m-%d}",
        ),
        stored_text(
            gettext_lazy(
                "Without an agreement by then the claimant may go to arbitration (art. 14)."
            )
        ),
    )
    return 1
