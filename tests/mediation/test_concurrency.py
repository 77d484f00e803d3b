"""Races on PostgreSQL: two submissions of the employer's link confirm once; a confirmation
racing a redraft never leaves a confirmation of a text that is no longer the agreement's."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.cases.services.intake import case_route_to_mediation
from portal.core.bootstrap import seed_reference_data
from portal.core.errors import ApplicationError
from portal.core.models import Role
from portal.mediation.models import Agreement
from portal.mediation.services import (
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_draft,
    employer_link_issue,
    mediation_agree,
    mediation_assign,
    mediation_open,
)
from tests.helpers import run_at_once

from ..factories import make_case, member
from .builders import terms
from .conftest import rendered


@pytest.fixture
def agreed_on_postgres(transactional_db) -> Agreement:
    seed_reference_data()
    arbitrator = member("arb.arbitrator", "arbitration", Role.ARBITRATOR)
    admin = member("arb.admin", "arbitration", Role.AGENCY_ADMIN)
    mediator = member("arb.mediator", "arbitration", Role.MEDIATOR)
    case = make_case(agency_code="arbitration", actor=arbitrator)
    case_route_to_mediation(actor=arbitrator, case=case, claimant_consented=True)
    mediation = mediation_open(actor=mediator, case=case)
    mediation_assign(actor=admin, mediation=mediation, mediator=mediator)
    agreement_draft(actor=mediator, mediation=mediation, data=terms())
    mediation_agree(actor=mediator, mediation=mediation)
    return rendered(Agreement.objects.get(mediation=mediation))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_the_employers_link_confirm_once(agreed_on_postgres):
    agreement = agreed_on_postgres
    mediator = agreement.mediation.mediator
    _link, token = employer_link_issue(actor=mediator, mediation=agreement.mediation)
    sha = agreement.document.sha256
    code = agreement.mediation.case.employer.credit_code

    def confirm() -> object:
        with translation.override("en"):
            return agreement_confirm_employer(
                token=token, representative="李经理", credit_code=code, shown_sha256=sha
            )

    results, errors = run_at_once([confirm, confirm])
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert agreement.links.get().used_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_confirmation_racing_a_redraft_leaves_no_confirmation_of_the_old_text(
    agreed_on_postgres,
):
    agreement = agreed_on_postgres
    mediator = agreement.mediation.mediator
    case = agreement.mediation.case
    sha = agreement.document.sha256

    def confirm() -> object:
        with translation.override("en"):
            return agreement_confirm_claimant(case=case, shown_sha256=sha)

    def redraft() -> object:
        with translation.override("en"):
            return agreement_draft(
                actor=mediator, mediation=agreement.mediation, data=terms("5000.00", "5000.00")
            )

    _results, errors = run_at_once([confirm, redraft])
    assert all(isinstance(error, ApplicationError) for error in errors)
    agreement.refresh_from_db()
    assert agreement.version == 2
    # whichever came first, the claimant has not confirmed the new text
    assert agreement.claimant_confirmed_at is None
    assert agreement.claimant_confirmed_sha256 == ""
