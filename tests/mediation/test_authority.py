"""Confirmation by an authority (快认): the committee's review with a numbered 调解书, or the
joint application to the court within 30 days of the agreement taking effect, and the
court's decision as staff record it."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.utils import timezone

from portal.cases.models import CaseStatus
from portal.core.audit import audit_actions, audit_history
from portal.core.deadlines import deadline_for
from portal.core.documents import document_render
from portal.core.errors import ApplicationError
from portal.mediation.models import MediationStatus
from portal.mediation.selectors import court_window
from portal.mediation.services import (
    agreement_arbitration_confirm,
    agreement_confirm_claimant,
    agreement_court_apply,
    agreement_court_decision,
    agreement_draft,
)

from .builders import rendered_text, terms

pytestmark = pytest.mark.django_db


def test_the_second_confirmation_makes_it_take_effect_and_starts_the_court_window(frozen):
    assert frozen.effective_at is not None
    window = court_window(frozen.mediation)
    assert window is not None
    assert window.due_on == deadline_for("court_confirmation.window", frozen.effective_at).date


def test_the_committee_confirms_with_a_numbered_statement(
    frozen, arbitrator, tmp_path, require_tool
):
    agreement = agreement_arbitration_confirm(actor=arbitrator, mediation=frozen.mediation)
    frozen.mediation.refresh_from_db()
    assert frozen.mediation.status == MediationStatus.CONFIRMED
    year = timezone.localdate().year
    assert agreement.statement_number == f"穗海劳人仲调字〔{year}〕第1号"
    assert court_window(frozen.mediation) is None
    assert "mediation.arbitration_confirm" in audit_actions(audit_history(frozen.mediation))
    pdftotext = require_tool("pdftotext")
    text = rendered_text(agreement.statement_document.pk, pdftotext, tmp_path)
    assert "调解书" in text and agreement.statement_number in text


def test_an_unconfirmed_agreement_is_not_confirmed_by_the_committee(agreed, arbitrator):
    agreement_confirm_claimant(case=agreed.mediation.case, shown_sha256=agreed.document.sha256)
    with pytest.raises(ApplicationError):
        agreement_arbitration_confirm(actor=arbitrator, mediation=agreed.mediation)
    agreed.mediation.refresh_from_db()
    assert agreed.mediation.status == MediationStatus.AGREED


def test_only_arbitrators_and_admins_of_the_committee_confirm(
    frozen, arbitration_mediator, bureau_admin
):
    for actor in (arbitration_mediator, bureau_admin):
        with pytest.raises(ApplicationError):
            agreement_arbitration_confirm(actor=actor, mediation=frozen.mediation)


def test_a_confirmed_agreement_is_not_confirmed_twice_nor_redrafted(
    frozen, arbitrator, arbitration_mediator
):
    agreement_arbitration_confirm(actor=arbitrator, mediation=frozen.mediation)
    with pytest.raises(ApplicationError):
        agreement_arbitration_confirm(actor=arbitrator, mediation=frozen.mediation)
    with pytest.raises(ApplicationError):
        agreement_draft(actor=arbitration_mediator, mediation=frozen.mediation, data=terms())


def test_the_court_path_records_application_and_decision(
    frozen, arbitration_mediator, tmp_path, require_tool
):
    mediation = frozen.mediation
    agreement = agreement_court_apply(
        actor=arbitration_mediator, mediation=mediation, court_name="广州市海珠区人民法院"
    )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.COURT_APPLIED
    assert court_window(mediation) is None  # met by the application
    pdftotext = require_tool("pdftotext")
    document = document_render(document_id=agreement.court_application_document.pk)
    source = tmp_path / "application.pdf"
    with document.file.open("rb") as handle:
        source.write_bytes(handle.read())
    text = "".join(
        subprocess.run([pdftotext, str(source), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "司法确认" in text and "广州市海珠区人民法院" in text
    with pytest.raises(ApplicationError):  # a confirmation needs the ruling's number
        agreement_court_decision(
            actor=arbitration_mediator,
            mediation=mediation,
            confirmed=True,
            decided_on=timezone.localdate(),
        )
    agreement_court_decision(
        actor=arbitration_mediator,
        mediation=mediation,
        confirmed=True,
        decided_on=timezone.localdate(),
        enforceable_number="（2026）粤0105民特123号",
    )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.CONFIRMED
    agreement.refresh_from_db()
    assert agreement.enforceable_number == "（2026）粤0105民特123号"


def test_a_refusal_by_the_court_is_recorded_and_leaves_the_case_open(frozen, arbitration_admin):
    mediation = frozen.mediation
    agreement_court_apply(actor=arbitration_admin, mediation=mediation, court_name="海珠区法院")
    agreement_court_decision(
        actor=arbitration_admin,
        mediation=mediation,
        confirmed=False,
        decided_on=timezone.localdate(),
    )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.COURT_REJECTED
    mediation.case.refresh_from_db()
    assert mediation.case.status == CaseStatus.MEDIATING


def test_the_application_after_the_window_is_refused(frozen, arbitration_mediator):
    window = court_window(frozen.mediation)
    window.due_on = timezone.localdate() - datetime.timedelta(days=1)
    window.save(update_fields=["due_on"])
    with pytest.raises(ApplicationError):
        agreement_court_apply(
            actor=arbitration_mediator, mediation=frozen.mediation, court_name="海珠区法院"
        )


def test_no_court_decision_without_an_application(frozen, arbitration_mediator):
    with pytest.raises(ApplicationError):
        agreement_court_decision(
            actor=arbitration_mediator,
            mediation=frozen.mediation,
            confirmed=True,
            decided_on=timezone.localdate(),
            enforceable_number="x",
        )


def test_a_redraft_stops_the_window_until_both_confirm_again(frozen, arbitration_mediator):
    agreement_draft(actor=arbitration_mediator, mediation=frozen.mediation, data=terms())
    frozen.refresh_from_db()
    assert frozen.effective_at is None
    assert court_window(frozen.mediation) is None


@pytest.mark.parametrize("by", ["committee", "court"])
def test_a_confirmed_agreement_settles_the_case_which_is_no_longer_in_mediation(
    frozen, arbitrator, arbitration_mediator, by
):
    mediation = frozen.mediation
    assert mediation.case.status == CaseStatus.MEDIATING
    if by == "committee":
        agreement_arbitration_confirm(actor=arbitrator, mediation=mediation)
    else:
        agreement_court_apply(
            actor=arbitration_mediator, mediation=mediation, court_name="海珠区法院"
        )
        agreement_court_decision(
            actor=arbitration_mediator,
            mediation=mediation,
            confirmed=True,
            decided_on=timezone.localdate(),
            enforceable_number="（2026）粤0105民特1号",
        )
    mediation.case.refresh_from_db()
    assert mediation.case.status == CaseStatus.CLOSED
    assert "case.mediation_settle" in audit_actions(audit_history(mediation.case))
