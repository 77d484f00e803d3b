"""Mediation fixtures: an arbitration case routed to mediation at intake, its open
mediation, the special mediator from the bureau appointed by the committee, an agreement
reached (`agreed`) and one both parties confirmed (`frozen`)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from portal.cases.models import Case
from portal.cases.services.intake import case_route_to_mediation
from portal.core.models import Agency, Appointment, AppointmentKind, User
from portal.core.people import appointment_create
from portal.mediation.models import Agreement, Mediation
from portal.mediation.services import (
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_draft,
    employer_link_issue,
    mediation_agree,
    mediation_assign,
    mediation_open,
)

from .builders import terms


@pytest.fixture
def routed_case(arbitration_case: Case, arbitrator: User) -> Case:
    return case_route_to_mediation(actor=arbitrator, case=arbitration_case, claimant_consented=True)


@pytest.fixture
def mediation(routed_case: Case, arbitration_mediator: User, arbitration_admin: User) -> Mediation:
    return mediation_open(actor=arbitration_mediator, case=routed_case)


@pytest.fixture
def mediating(
    mediation: Mediation, arbitration_admin: User, arbitration_mediator: User
) -> Mediation:
    return mediation_assign(
        actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator
    )


@pytest.fixture
def special_appointment(bureau_mediator: User, arbitration_admin: User) -> Appointment:
    today = timezone.localdate()
    return appointment_create(
        actor=arbitration_admin,
        user=bureau_mediator,
        appointing_agency=Agency.objects.get(code="arbitration"),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=today - datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=100),
    )


def rendered(agreement: Agreement) -> Agreement:
    """The agreement with its PDF rendered (as the Celery task would, after commit)."""
    from portal.core.documents import document_render

    assert agreement.document is not None
    document_render(document_id=agreement.document.pk)
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def agreed(mediating, arbitration_mediator) -> Agreement:
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    mediation_agree(actor=arbitration_mediator, mediation=mediating)
    return rendered(Agreement.objects.get(mediation=mediating))


@pytest.fixture
def frozen(agreed, arbitration_mediator) -> Agreement:
    sha = agreed.document.sha256
    agreement_confirm_claimant(case=agreed.mediation.case, shown_sha256=sha)
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreed.mediation)
    agreement_confirm_employer(
        token=token,
        representative="李经理",
        credit_code=agreed.mediation.case.employer.credit_code,
        shown_sha256=sha,
    )
    agreed.refresh_from_db()
    return agreed
