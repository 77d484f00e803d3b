"""The claimant's status page tells the truth at every stage of a mediated filing, read from
the case and its mediation, and offers the claimant's own documents, recording each copy
taken."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.cases.models import CaseStatus
from portal.cases.services.intake import case_route_to_mediation
from portal.core.audit import audit_actions, audit_history
from portal.core.documents import document_render
from portal.kiosk.selectors import Stage, claimant_view
from portal.mediation.models import Agreement
from portal.mediation.services import (
    agreement_arbitration_confirm,
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_court_apply,
    agreement_court_decision,
    agreement_draft,
    employer_link_issue,
    mediation_agree,
    mediation_assign,
    mediation_fail,
    mediation_open,
)
from tests.mediation.builders import pay, terms

from .test_status import filing, page_of

pytestmark = pytest.mark.django_db


def stage_of(case) -> str:
    case.refresh_from_db()
    return claimant_view(case).stage


def confirmed_by_both(case, mediation, mediator) -> Agreement:
    """The agreement rendered, then confirmed by the claimant and the employer."""
    agreement = Agreement.objects.get(mediation=mediation)
    document_render(document_id=agreement.document.pk)
    agreement.refresh_from_db()
    sha = agreement.document.sha256
    agreement_confirm_claimant(case=case, shown_sha256=sha)
    _link, token = employer_link_issue(actor=mediator, mediation=mediation)
    agreement_confirm_employer(
        token=token,
        representative="李经理",
        credit_code=case.employer.credit_code,
        shown_sha256=sha,
    )
    return agreement


def test_every_stage_of_a_mediated_filing_reads_from_the_case_and_its_mediation(
    arbitrator, arbitration_admin, arbitration_mediator
):
    case, secret = filing(mediation=True)
    assert stage_of(case) == Stage.WAITING
    case_route_to_mediation(actor=arbitrator, case=case)
    assert stage_of(case) == Stage.MEDIATION_WAITING
    mediation = mediation_open(actor=arbitrator, case=case)
    assert stage_of(case) == Stage.MEDIATION_WAITING
    mediation = mediation_assign(
        actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator
    )
    assert stage_of(case) == Stage.MEDIATING
    agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms())
    mediation_agree(actor=arbitration_mediator, mediation=mediation)
    assert stage_of(case) == Stage.AGREEMENT
    agreement = confirmed_by_both(case, mediation, arbitration_mediator)
    agreement_arbitration_confirm(actor=arbitrator, mediation=mediation)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED  # settled: not 调解中
    assert stage_of(case) == Stage.CONFIRMED_BY_COMMITTEE

    pay(agreement, arbitration_mediator)
    agreement.refresh_from_db()
    document_render(document_id=agreement.statement_document.pk)
    client, page = page_of(case, secret)
    assert 'data-stage="confirmed_by_committee"' in page
    assert "调解书" in page or agreement.statement_number in page
    assert 'data-testid="instalment-1"' in page and "已支付" in page

    statement = reverse("kiosk:status-document", args=[agreement.statement_document.pk])
    assert f'href="{statement}"' in page
    response = client.get(statement)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "kiosk.claimant_document_download" in audit_actions(audit_history(case))

    # another claimant's visit does not reach it
    other, other_secret = filing()
    other_client, _page = page_of(other, other_secret)
    assert other_client.get(statement).status_code == 404
    assert Client().get(statement).status_code == 404


def test_a_failed_mediation_tells_the_claimant_the_filing_waits_for_the_committee_again(
    arbitrator, arbitration_admin, arbitration_mediator
):
    case, secret = filing(mediation=True)
    case_route_to_mediation(actor=arbitrator, case=case)
    mediation = mediation_open(actor=arbitrator, case=case)
    mediation_fail(actor=arbitration_admin, mediation=mediation, reason="被申请人拒绝调解")
    assert stage_of(case) == Stage.WAITING
    _client, page = page_of(case, secret)
    assert 'data-stage="waiting"' in page
    assert "调解未成功" in page or "调解：未达成协议" in page


def test_a_status_the_page_does_not_know_shows_its_own_name(arbitrator):
    case, _secret = filing()
    case.status = "awarded"
    view = claimant_view(case)
    assert view.stage == "awarded"
    assert view.headline == "awarded"


def test_a_judicial_confirmation_is_told_with_the_courts_decision_as_recorded(
    arbitrator, arbitration_admin, arbitration_mediator
):
    case, secret = filing(mediation=True)
    case_route_to_mediation(actor=arbitrator, case=case)
    mediation = mediation_assign(
        actor=arbitration_admin,
        mediation=mediation_open(actor=arbitrator, case=case),
        mediator=arbitration_mediator,
    )
    agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms())
    mediation_agree(actor=arbitration_mediator, mediation=mediation)
    confirmed_by_both(case, mediation, arbitration_mediator)
    agreement_court_apply(actor=arbitration_mediator, mediation=mediation, court_name="海珠区法院")
    assert stage_of(case) == Stage.COURT_APPLIED
    agreement_court_decision(
        actor=arbitration_mediator,
        mediation=mediation,
        confirmed=True,
        decided_on=timezone.localdate(),
        enforceable_number="（2026）粤0105民特9号",
    )
    assert stage_of(case) == Stage.CONFIRMED_BY_COURT
    client, page = page_of(case, secret)
    assert 'data-testid="court-decision"' in page and "（2026）粤0105民特9号" in page
    assert client.get(reverse("confirmation:claimant-agreement")).status_code == 200
    downloads = audit_history(mediation).filter(action="mediation.agreement_download")
    assert downloads.count() == 1
