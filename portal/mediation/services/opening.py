"""Opening a mediation: routed to mediation at intake, referred as a dispute, or sent by
staff."""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.models import Case, CaseStatus
from portal.cases.services import case_mediation_start
from portal.core.audit import audit_record
from portal.core.deadlines import deadline_start
from portal.core.errors import ApplicationError
from portal.core.models import User
from portal.core.stored_text import stored_text
from portal.referrals.selectors import referral_dispute_sent_on

from ..models import Mediation, MediationSource
from ..permissions import can_open, mediating_agency
from ..selectors import TERM_POLICY
from .common import admins, notify_after_commit

# A case the committee owns may be mediated from these states: routed to mediation at intake,
# or accepted and sent to mediation by staff.
OPENABLE_CASE_STATES = frozenset({CaseStatus.MEDIATION_PENDING, CaseStatus.ACCEPTED})


@transaction.atomic
def mediation_open(
    *,
    actor: User,
    case: Case,
    referral: models.Model | None = None,
    requested_on: datetime.date | None = None,
) -> Mediation:
    """Open the mediation of a case: routed to mediation at intake, referred as a dispute, or
    sent by staff; the 15-day term starts from the day mediation was requested."""
    case = Case.objects.select_for_update(of=("self",)).select_related("agency").get(pk=case.pk)
    if not can_open(actor, case):
        raise ApplicationError(
            _(
                "Only mediators, arbitrators and administrators of the arbitration committee open a "
                "mediation, on a case they work."
            )
        )
    if Mediation.objects.filter(case=case).exists():
        raise ApplicationError(_("This case has a mediation already."))
    agency = mediating_agency()
    today = timezone.localdate()
    if requested_on is not None and requested_on > today:
        raise ApplicationError(
            _("The mediation cannot have been requested in the future."), field="requested_on"
        )
    if referral is not None:
        source = MediationSource.REFERRAL
        sent_on = referral_dispute_sent_on(referral, case=case, receiver_code=agency.code)
        if sent_on is None:
            raise ApplicationError(
                _("Only an accepted referral of this case as a dispute opens its mediation."),
                field="referral",
            )
        requested_on = requested_on or sent_on
    elif case.status == CaseStatus.MEDIATION_PENDING:
        source = MediationSource.FILING
        requested_on = requested_on or timezone.localdate(case.decided_at or case.filed_at)
    else:
        source = MediationSource.STAFF
        requested_on = requested_on or today
    if case.agency_id == agency.pk:
        if case.status not in OPENABLE_CASE_STATES:
            raise ApplicationError(
                _("Route the case to mediation at intake (or accept it) before mediating it.")
            )
        case_mediation_start(actor=actor, case=case)
    elif referral is None:
        # Another agency's case reaches the committee's mediators only as a referred dispute.
        raise ApplicationError(_("Another agency's case is mediated on its referral."))
    mediation = Mediation.objects.create(
        case=case,
        agency=agency,
        source=source,
        referral_id=referral.pk if referral is not None else None,
        requested_on=requested_on,
        opened_by=actor,
    )
    deadline_start(policy_key=TERM_POLICY, subject=mediation, start=requested_on)
    audit_record(
        actor=actor,
        action="mediation.open",
        obj=mediation,
        status_after=mediation.status,
        note=mediation.get_source_display(),
    )
    notify_after_commit(
        mediation,
        admins(mediation),
        stored_text(
            gettext_lazy("Mediation of case %(number)s awaits a mediator"), number=case.number
        ),
    )
    return mediation
