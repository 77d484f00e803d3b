"""Confirmation of the agreement by an authority (快认): by the committee, a numbered 调解书;
or by the court on the parties' joint application (司法确认)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.cases.models import CaseStatus
from portal.cases.services import case_mediation_settle
from portal.core.deadlines import deadline_meet
from portal.core.documents import document_request
from portal.core.errors import ApplicationError
from portal.core.models import User
from portal.core.numbering import number_take
from portal.core.stored_text import stored_text

from ..models import Agreement, Mediation
from ..permissions import MOVES, Move
from ..selectors import COURT_WINDOW_POLICY, agreement_confirmed_by_both, court_window
from .common import (
    COURT_APPLICATION_PDF,
    STATEMENT_PDF,
    STATEMENT_SERIES,
    notify_after_commit,
    required,
)


def _frozen(mediation: Mediation) -> Agreement:
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("document")
        .get(mediation=mediation)
    )
    if not agreement_confirmed_by_both(agreement):
        raise ApplicationError(_("Both parties must confirm the agreement's current text first."))
    return agreement


@transaction.atomic
def agreement_arbitration_confirm(
    *, actor: User, mediation: Mediation, expected_version: int | None = None
) -> Agreement:
    """Review and confirmation by the committee (仲裁审查确认): a numbered 调解书."""
    mediation = MOVES.begin(actor, mediation, Move.ARBITRATION_CONFIRM, expected_version)
    agreement = _frozen(mediation)
    agreement.statement_number = number_take(agency=mediation.agency, series=STATEMENT_SERIES)
    agreement.statement_document = document_request(
        actor=actor, owner=agreement, kind=STATEMENT_PDF
    )
    agreement.save(update_fields=["statement_number", "statement_document", "updated_at"])
    MOVES.finish(actor, mediation, Move.ARBITRATION_CONFIRM, note=agreement.statement_number)
    deadline_meet(policy_key=COURT_WINDOW_POLICY, subject=mediation)
    _settle_case(actor, mediation, agreement.statement_number)
    notify_after_commit(
        mediation,
        [user for user in [mediation.mediator] if user],
        stored_text(
            gettext_lazy("The committee confirmed the agreement of case %(number)s: %(statement)s"),
            number=mediation.case.number,
            statement=agreement.statement_number,
        ),
    )
    return agreement


@transaction.atomic
def agreement_court_apply(
    *, actor: User, mediation: Mediation, court_name: str, expected_version: int | None = None
) -> Agreement:
    """Record the parties' joint application for judicial confirmation (司法确认), within the
    30-day window; the application form is rendered for them to sign and file."""
    mediation = MOVES.begin(actor, mediation, Move.COURT_APPLY, expected_version)
    agreement = _frozen(mediation)
    court_name = required(court_name, _("Name the court."), "court_name")
    window = court_window(mediation)
    today = timezone.localdate()
    if window is not None and window.due_on < today:
        raise ApplicationError(
            _("The 30 days for a joint application ended on %(date)s.")
            % {"date": f"{window.due_on:%Y-%m-%d}"}
        )
    agreement.court_name = court_name
    agreement.court_applied_on = today
    agreement.court_application_document = document_request(
        actor=actor, owner=agreement, kind=COURT_APPLICATION_PDF
    )
    agreement.save(
        update_fields=[
            "court_name",
            "court_applied_on",
            "court_application_document",
            "updated_at",
        ]
    )
    deadline_meet(policy_key=COURT_WINDOW_POLICY, subject=mediation)
    MOVES.finish(actor, mediation, Move.COURT_APPLY, note=court_name)
    return agreement


@transaction.atomic
def agreement_court_decision(
    *,
    actor: User,
    mediation: Mediation,
    confirmed: bool,
    decided_on: datetime.date,
    enforceable_number: str = "",
    expected_version: int | None = None,
) -> Agreement:
    """Staff record what the court decided, and the number of its enforceable ruling."""
    move = Move.COURT_CONFIRM if confirmed else Move.COURT_REJECT
    mediation = MOVES.begin(actor, mediation, move, expected_version)
    agreement = Agreement.objects.select_for_update().get(mediation=mediation)
    if decided_on > timezone.localdate():
        raise ApplicationError(_("The decision cannot be in the future."), field="decided_on")
    if confirmed:
        enforceable_number = required(
            enforceable_number,
            _("Give the number of the court's ruling."),
            "enforceable_number",
        )
    agreement.court_decided_on = decided_on
    agreement.enforceable_number = enforceable_number.strip()
    agreement.save(update_fields=["court_decided_on", "enforceable_number", "updated_at"])
    MOVES.finish(actor, mediation, move, note=agreement.enforceable_number)
    if confirmed:
        _settle_case(actor, mediation, agreement.enforceable_number)
    return agreement


def _settle_case(actor: User, mediation: Mediation, number: str) -> None:
    """A confirmed agreement settles the dispute: the committee's own case is closed (a
    referred case stays with the agency that owns it, which hears of it on the referral)."""
    case = mediation.case
    if case.agency_id == mediation.agency_id and case.status == CaseStatus.MEDIATING:
        case_mediation_settle(actor=actor, case=case, note=number)
