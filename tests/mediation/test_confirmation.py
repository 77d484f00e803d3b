"""The parties confirm the agreement's exact text: the claimant on the status page, the
employer through a one-time link (guessing, reuse, expiry, a replaced link), a changed text,
a second confirmation; the confirmed SHA-256 is the PDF's."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import audit_actions, audit_history
from portal.core.errors import ApplicationError
from portal.mediation import selectors
from portal.mediation.models import Agreement, EmployerLink
from portal.mediation.selectors import agreement_confirmed_by_both, token_digest
from portal.mediation.services import (
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_draft,
    employer_link_issue,
    mediation_agree,
)

from ..factories import valid_credit_code
from .builders import terms
from .conftest import rendered

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(mediating, arbitration_mediator) -> Agreement:
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    mediation_agree(actor=arbitration_mediator, mediation=mediating)
    return rendered(Agreement.objects.get(mediation=mediating))


def _employer(agreement: Agreement, token: str, **kwargs: str) -> Agreement:
    values = {
        "representative": "李经理",
        "credit_code": agreement.mediation.case.employer.credit_code,
        "shown_sha256": agreement.document.sha256,
        **kwargs,
    }
    return agreement_confirm_employer(token=token, **values)


def test_both_parties_confirm_and_the_frozen_hash_is_the_pdfs(agreement, arbitration_mediator):
    agreement_confirm_claimant(
        case=agreement.mediation.case, shown_sha256=agreement.document.sha256
    )
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    _employer(agreement, token)
    agreement.refresh_from_db()
    with agreement.document.file.open("rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    assert agreement.claimant_confirmed_sha256 == agreement.employer_confirmed_sha256 == digest
    assert agreement.employer_representative == "李经理"
    assert agreement_confirmed_by_both(agreement)
    actions = audit_actions(audit_history(agreement.mediation))
    assert "mediation.claimant_confirm" in actions and "mediation.employer_confirm" in actions


def test_a_second_claimant_confirmation_is_refused(agreement):
    case, sha = agreement.mediation.case, agreement.document.sha256
    agreement_confirm_claimant(case=case, shown_sha256=sha)
    first = Agreement.objects.get(pk=agreement.pk).claimant_confirmed_at
    with pytest.raises(ApplicationError):
        agreement_confirm_claimant(case=case, shown_sha256=sha)
    assert Agreement.objects.get(pk=agreement.pk).claimant_confirmed_at == first


def test_a_confirmation_of_a_text_that_changed_is_refused(agreement):
    with pytest.raises(ApplicationError):
        agreement_confirm_claimant(case=agreement.mediation.case, shown_sha256="0" * 64)
    agreement.refresh_from_db()
    assert agreement.claimant_confirmed_at is None


def test_no_confirmation_before_the_document_is_ready(mediating, arbitration_mediator):
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    mediation_agree(actor=arbitration_mediator, mediation=mediating)
    with pytest.raises(ApplicationError):
        agreement_confirm_claimant(case=mediating.case, shown_sha256="")


def test_a_change_after_confirmation_needs_both_confirmations_again(
    agreement, arbitration_mediator
):
    mediation = agreement.mediation
    agreement_confirm_claimant(case=mediation.case, shown_sha256=agreement.document.sha256)
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=mediation)
    old_sha = agreement.document.sha256
    agreement_draft(
        actor=arbitration_mediator, mediation=mediation, data=terms("6000.00", "6000.00")
    )
    agreement = rendered(Agreement.objects.get(pk=agreement.pk))
    assert agreement.version == 2
    assert agreement.claimant_confirmed_at is None and agreement.claimant_confirmed_sha256 == ""
    assert not agreement_confirmed_by_both(agreement)
    # the link given out for the old text no longer works
    with pytest.raises(ApplicationError):
        _employer(agreement, token)
    with pytest.raises(ApplicationError):
        agreement_confirm_claimant(case=mediation.case, shown_sha256=old_sha)
    assert "mediation.agreement_redraft" in audit_actions(audit_history(mediation))


def test_the_link_works_once(agreement, arbitration_mediator):
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    _employer(agreement, token)
    with pytest.raises(ApplicationError):
        _employer(agreement, token)


def test_the_link_is_shown_again_with_a_copy_button_until_it_is_used(
    client, agreement, arbitration_mediator
):
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    assert selectors.employer_link_shown(agreement) == token
    client.force_login(arbitration_mediator)
    page = client.get(reverse("mediation:case", kwargs={"pk": agreement.mediation.case_id}))
    address = reverse("confirmation:employer", kwargs={"token": token})
    assert page.context["employer_link"].endswith(address)
    assert 'data-copy="employer-link"' in page.content.decode()
    _employer(agreement, token)
    assert selectors.employer_link_shown(agreement) is None


def test_a_link_under_an_earlier_secret_key_is_not_shown_again(
    agreement, arbitration_mediator, settings
):
    employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    settings.SECRET_KEY = "a-new-key-after-rotation"
    assert selectors.employer_link_shown(agreement) is None


def test_the_database_keeps_only_the_digest_of_the_token(agreement, arbitration_mediator):
    link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    link.refresh_from_db()
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(EmployerLink.objects.filter(pk=link.pk).values().get())


def test_an_expired_link_is_refused_and_changes_nothing(agreement, arbitration_mediator):
    link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    EmployerLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ApplicationError):
        _employer(agreement, token)
    agreement.refresh_from_db()
    assert agreement.employer_confirmed_at is None


def test_a_newer_link_replaces_the_older_one(agreement, arbitration_mediator):
    _old, old_token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    _new, new_token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    with pytest.raises(ApplicationError):
        _employer(agreement, old_token)
    _employer(agreement, new_token)


def test_a_guessed_token_is_refused(agreement, arbitration_mediator):
    link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    assert len(token) >= 40  # 32 random bytes
    assert link.token_sha256 == token_digest(token) and token not in link.token_sha256
    for guess in ("", "a" * 43, token[:-1], token.upper(), "x" * 500):
        with pytest.raises(ApplicationError):
            _employer(agreement, guess)
    agreement.refresh_from_db()
    assert agreement.employer_confirmed_at is None


def test_the_wrong_credit_code_or_no_name_is_refused(agreement, arbitration_mediator):
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    with pytest.raises(ApplicationError):
        _employer(agreement, token, credit_code="91440101MA00000000")
    with pytest.raises(ApplicationError):
        _employer(agreement, token, representative="  ")
    # the link still works after a mistake
    _employer(agreement, token)


def test_only_the_mediator_or_an_admin_makes_a_link(agreement, arbitrator, bureau_mediator):
    for actor in (arbitrator, bureau_mediator):
        with pytest.raises(ApplicationError):
            employer_link_issue(actor=actor, mediation=agreement.mediation)
    assert not EmployerLink.objects.exists()


def test_no_link_before_the_agreement_is_reached(mediating, arbitration_mediator):
    with pytest.raises(ApplicationError):
        employer_link_issue(actor=arbitration_mediator, mediation=mediating)


# --- the pages ----------------------------------------------------------------------------------


def test_the_employers_page_shows_its_agreement_and_records_the_confirmation(
    client, agreement, arbitration_mediator
):
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    address = reverse("confirmation:employer", kwargs={"token": token})
    page = client.get(address)
    assert page.status_code == 200
    body = page.content.decode()
    assert agreement.document.sha256 in body
    assert agreement.mediation.case.employer.name in body
    # nothing of the claimant's personal data
    claimant = agreement.mediation.case.claimants.first()
    assert claimant.id_number not in body and claimant.phone not in body
    response = client.post(
        address,
        {
            "representative": "李经理",
            "credit_code": agreement.mediation.case.employer.credit_code,
            "sha256": agreement.document.sha256,
        },
    )
    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.employer_confirmed_at is not None
    assert client.get(address).status_code == 404  # used


def test_the_credit_code_is_not_guessed_through_the_link(
    client, settings, agreement, arbitration_mediator
):
    """Issue 17, item 9: a few tries a day per link, then 429, the right code included."""
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "employer-link": (3, 86400)}
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreement.mediation)
    address = reverse("confirmation:employer", kwargs={"token": token})
    employer = agreement.mediation.case.employer
    form = {"representative": "李经理", "sha256": agreement.document.sha256}
    for _ in range(3):
        wrong = client.post(address, {**form, "credit_code": valid_credit_code()})
        assert wrong.status_code == 200
    right = client.post(address, {**form, "credit_code": employer.credit_code})
    assert right.status_code == 429
    agreement.refresh_from_db()
    assert agreement.employer_confirmed_at is None


def test_an_unknown_link_is_a_404(client):
    response = client.get(reverse("confirmation:employer", kwargs={"token": "nope" * 11}))
    assert response.status_code == 404


def _kiosk_agreement(settings, arbitrator, arbitration_admin, mediator) -> tuple[Agreement, str]:
    """A claimant's own filing, routed to mediation, with an agreement reached."""
    from portal.cases.models import CaseChannel
    from portal.cases.services.intake import case_file, case_route_to_mediation
    from portal.mediation.services import mediation_assign, mediation_open

    from ..factories import case_data

    settings.KIOSK_RATE_LIMIT_PREFIX = f"kiosk-rl-mediation-{timezone.now().timestamp()}"
    data = case_data()
    data.mediation_consent = True
    filed = case_file(data=data, channel=CaseChannel.KIOSK)
    case_route_to_mediation(actor=arbitrator, case=filed.case)
    mediation = mediation_open(actor=arbitrator, case=filed.case)
    mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=mediator)
    agreement_draft(actor=mediator, mediation=mediation, data=terms())
    mediation_agree(actor=mediator, mediation=mediation)
    return rendered(Agreement.objects.get(mediation=mediation)), filed.secret


def test_the_claimant_confirms_on_the_status_page(
    client, settings, arbitrator, arbitration_admin, arbitration_mediator
):
    agreement, secret = _kiosk_agreement(
        settings, arbitrator, arbitration_admin, arbitration_mediator
    )
    case = agreement.mediation.case
    status = reverse("kiosk:status")
    client.post(status, {"tracking_number": case.tracking_number, "secret": secret})
    page = client.get(status)
    assert page.status_code == 200
    assert page.context["mediation"].can_confirm
    assert agreement.document.sha256 in page.content.decode()
    response = client.post(
        reverse("confirmation:claimant"),
        {"sha256": agreement.document.sha256},
        follow=True,
    )
    agreement.refresh_from_db()
    assert agreement.claimant_confirmed_at is not None
    assert response.context["mediation"].claimant_confirmed
    assert not response.context["mediation"].can_confirm


def test_without_a_status_lookup_the_claimant_confirmation_is_a_404(client, agreement):
    response = client.post(reverse("confirmation:claimant"), {"sha256": agreement.document.sha256})
    assert response.status_code == 404
