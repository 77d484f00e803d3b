"""The outcome of a mediation: an agreement drafted from the template and reached (with its
调解协议书 PDF), or failure, after which the case goes to arbitration intake as it stands."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.cases.models import CaseStatus
from portal.cases.services.intake import case_accept
from portal.core.audit import audit_actions, audit_history
from portal.core.deadlines import deadlines_of
from portal.core.documents import document_render
from portal.core.errors import ApplicationError
from portal.core.models import DocumentStatus, Notification
from portal.mediation.models import Agreement, MediationStatus, PaymentMethod
from portal.mediation.selectors import term_deadline
from portal.mediation.services import (
    AgreementData,
    agreement_draft,
    mediation_agree,
    mediation_assign,
    mediation_fail,
    mediation_open,
)

from .builders import terms

pytestmark = pytest.mark.django_db


def test_the_mediator_drafts_the_agreement_from_the_template(mediating, arbitration_mediator):
    agreement = agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    assert agreement.total_amount == Decimal("9000.00")
    assert [item.sequence for item in agreement.instalments.all()] == [1, 2, 3]
    assert "mediation.agreement_draft" in audit_actions(audit_history(mediating))


def test_redrafting_replaces_the_terms(mediating, arbitration_mediator):
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    agreement_draft(
        actor=arbitration_mediator, mediation=mediating, data=terms("5000.00", "5000.00")
    )
    agreement = Agreement.objects.get(mediation=mediating)
    assert agreement.total_amount == Decimal("5000.00")
    assert agreement.instalments.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        terms("9000.00", "3000.00", "3000.00"),  # does not add up
        terms("3000.00", "3000.00", "-0.00"),  # an empty instalment
        AgreementData(total_amount=Decimal("1"), payment_method="cheque"),
        AgreementData(total_amount=Decimal("1"), payment_method=PaymentMethod.CASH),
    ],
)
def test_bad_terms_are_refused_and_change_nothing(mediating, arbitration_mediator, data):
    with pytest.raises(ApplicationError):
        agreement_draft(actor=arbitration_mediator, mediation=mediating, data=data)
    assert not Agreement.objects.exists()


def test_instalments_out_of_order_are_refused(mediating, arbitration_mediator):
    data = terms("6000.00", "3000.00", "3000.00")
    data.instalments.reverse()
    with pytest.raises(ApplicationError):
        agreement_draft(actor=arbitration_mediator, mediation=mediating, data=data)


def test_only_the_mediator_or_an_admin_drafts(mediating, arbitrator, bureau_mediator):
    for actor in (arbitrator, bureau_mediator):
        with pytest.raises(ApplicationError):
            agreement_draft(actor=actor, mediation=mediating, data=terms())
    assert not Agreement.objects.exists()


def test_no_agreement_before_a_mediator_is_assigned(mediation, arbitration_admin):
    with pytest.raises(ApplicationError):
        agreement_draft(actor=arbitration_admin, mediation=mediation, data=terms())


def test_reaching_the_agreement_ends_the_mediation_and_renders_the_pdf(
    mediating, arbitration_mediator, arbitration_admin, django_capture_on_commit_callbacks
):
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    with django_capture_on_commit_callbacks() as callbacks:
        mediation_agree(actor=arbitration_mediator, mediation=mediating)
    mediating.refresh_from_db()
    assert mediating.status == MediationStatus.AGREED
    assert term_deadline(mediating) is None  # the term is met
    agreement = Agreement.objects.get(mediation=mediating)
    assert agreement.document is not None
    assert len(callbacks) >= 2  # the notification and the rendering
    document = document_render(document_id=agreement.document.pk)
    assert document is not None and document.status == DocumentStatus.READY
    assert document.file.read(5) == b"%PDF-"


def test_no_agreement_is_reached_without_a_draft(mediating, arbitration_mediator):
    with pytest.raises(ApplicationError):
        mediation_agree(actor=arbitration_mediator, mediation=mediating)
    mediating.refresh_from_db()
    assert mediating.status == MediationStatus.MEDIATING


def test_a_reached_agreement_is_not_reached_twice(mediating, arbitration_mediator):
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    mediation_agree(actor=arbitration_mediator, mediation=mediating)
    with pytest.raises(ApplicationError):
        mediation_agree(actor=arbitration_mediator, mediation=mediating)


def test_failure_sends_a_routed_case_back_to_intake_with_a_fresh_acceptance_clock(
    mediating, arbitration_mediator, arbitrator, django_capture_on_commit_callbacks
):
    case = mediating.case
    with django_capture_on_commit_callbacks(execute=True):
        mediation_fail(actor=arbitration_mediator, mediation=mediating, reason="被申请人拒绝调解")
    mediating.refresh_from_db()
    case.refresh_from_db()
    assert mediating.status == MediationStatus.FAILED
    assert mediating.failure_reason == "被申请人拒绝调解"
    assert case.status == CaseStatus.FILED
    # everything carried over: the same case row with its parties and claims
    assert case.claimants.exists() and case.claims.exists()
    open_clocks = deadlines_of(case).filter(met_at__isnull=True, policy__key="case.acceptance")
    assert open_clocks.count() == 1
    assert "case.mediation_fail" in audit_actions(audit_history(case))
    assert Notification.objects.filter(recipient=arbitrator, body="被申请人拒绝调解").exists()
    # intake decides on it again
    case_accept(actor=arbitrator, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_failure_of_an_accepted_case_moves_it_on_to_arbitration(
    arbitration_case, arbitrator, arbitration_admin, arbitration_mediator
):
    case_accept(actor=arbitrator, case=arbitration_case)
    mediation = mediation_open(actor=arbitrator, case=arbitration_case)
    mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator)
    mediation_fail(actor=arbitration_admin, mediation=mediation, reason="未能达成一致")
    arbitration_case.refresh_from_db()
    assert arbitration_case.status == CaseStatus.ARBITRATING


def test_failure_needs_a_reason_and_the_right_person(mediating, arbitrator, arbitration_mediator):
    with pytest.raises(ApplicationError):
        mediation_fail(actor=arbitration_mediator, mediation=mediating, reason="  ")
    with pytest.raises(ApplicationError):
        mediation_fail(actor=arbitrator, mediation=mediating, reason="x")
    mediating.refresh_from_db()
    assert mediating.status == MediationStatus.MEDIATING


def test_an_ended_mediation_cannot_fail(mediating, arbitration_mediator, arbitration_admin):
    mediation_fail(actor=arbitration_mediator, mediation=mediating, reason="x")
    with pytest.raises(ApplicationError):
        mediation_fail(actor=arbitration_admin, mediation=mediating, reason="y")
