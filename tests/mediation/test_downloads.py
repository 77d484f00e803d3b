"""Downloads around the agreement: the payment evidence for staff who see the mediation, the
agreement PDF for the claimant (while the status lookup is open) and the employer (while the
one-time link is live)."""

from __future__ import annotations

import datetime
import hashlib
import subprocess
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import audit_history
from portal.core.pii import mask_id_number
from portal.mediation.models import Agreement
from portal.mediation.services import (
    agreement_draft,
    employer_link_issue,
    instalment_record_payment,
    mediation_agree,
)
from tests.helpers import png_bytes

from .builders import terms
from .conftest import rendered
from .test_confirmation import _kiosk_agreement

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def paid(frozen, arbitration_mediator):
    return instalment_record_payment(
        actor=arbitration_mediator,
        instalment=frozen.instalments.first(),
        paid_on=timezone.localdate(),
        amount=Decimal("3000.00"),
        evidence=SimpleUploadedFile("slip.html", png_bytes(), "image/png"),
    )


def _evidence_url(instalment) -> str:
    return reverse(
        "mediation:payment-evidence",
        kwargs={"pk": instalment.agreement.mediation.case_id, "instalment_pk": instalment.pk},
    )


def test_staff_who_see_the_mediation_download_the_payment_evidence_as_an_attachment(
    client, paid, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    page = client.get(reverse("mediation:case", kwargs={"pk": paid.agreement.mediation.case_id}))
    assert _evidence_url(paid) in page.content.decode()
    response = client.get(_evidence_url(paid))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert ".png" in response["Content-Disposition"]
    assert hashlib.sha256(_body(response)).hexdigest() == paid.evidence_sha256


def test_the_payment_evidence_is_a_404_for_another_agency(client, paid, procuratorate_liaison):
    client.force_login(procuratorate_liaison)
    assert client.get(_evidence_url(paid)).status_code == 404


def test_an_instalment_without_evidence_or_of_another_mediation_is_a_404(
    client, paid, frozen, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    unpaid = frozen.instalments.exclude(pk=paid.pk).first()
    assert client.get(_evidence_url(unpaid)).status_code == 404
    wrong = reverse(
        "mediation:payment-evidence",
        kwargs={"pk": frozen.mediation.case_id, "instalment_pk": paid.pk + 1000},
    )
    assert client.get(wrong).status_code == 404


def test_the_claimant_downloads_the_agreement_pdf_while_the_status_lookup_is_open(
    client, settings, arbitrator, arbitration_admin, arbitration_mediator
):
    agreement, secret = _kiosk_agreement(
        settings, arbitrator, arbitration_admin, arbitration_mediator
    )
    address = reverse("confirmation:claimant-agreement")
    assert client.get(address).status_code == 404  # no lookup yet
    case = agreement.mediation.case
    client.post(
        reverse("kiosk:status"), {"tracking_number": case.tracking_number, "secret": secret}
    )
    assert address in client.get(reverse("kiosk:status")).content.decode()
    response = client.get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(_body(response)).hexdigest() == agreement.document.sha256
    client.cookies.clear()  # a new visit: the lookup is gone
    assert client.get(address).status_code == 404


def test_a_wrong_secret_gives_no_agreement_pdf(
    client, settings, arbitrator, arbitration_admin, arbitration_mediator
):
    agreement, _secret = _kiosk_agreement(
        settings, arbitrator, arbitration_admin, arbitration_mediator
    )
    case = agreement.mediation.case
    client.post(
        reverse("kiosk:status"), {"tracking_number": case.tracking_number, "secret": "wrong-one"}
    )
    assert client.get(reverse("confirmation:claimant-agreement")).status_code == 404


def test_the_employer_downloads_the_agreement_pdf_and_can_still_confirm(
    client, agreed, arbitration_mediator
):
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreed.mediation)
    address = reverse("confirmation:employer-agreement", kwargs={"token": token})
    confirm = reverse("confirmation:employer", kwargs={"token": token})
    assert address in client.get(confirm).content.decode()
    response = client.get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(_body(response)).hexdigest() == agreed.document.sha256
    done = client.post(
        confirm,
        {
            "representative": "李经理",
            "credit_code": agreed.mediation.case.employer.credit_code,
            "sha256": agreed.document.sha256,
        },
    )
    assert done.status_code == 200
    agreed.refresh_from_db()
    assert agreed.employer_confirmed_at is not None
    assert client.get(address).status_code == 404  # the link is used


def test_a_wrong_or_expired_employer_token_gives_no_agreement_pdf(
    client, agreed, arbitration_mediator
):
    link, token = employer_link_issue(actor=arbitration_mediator, mediation=agreed.mediation)
    wrong = reverse("confirmation:employer-agreement", kwargs={"token": "nope" * 11})
    assert client.get(wrong).status_code == 404
    link.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    link.save(update_fields=["expires_at"])
    address = reverse("confirmation:employer-agreement", kwargs={"token": token})
    assert client.get(address).status_code == 404


# --- the other party's personal numbers (issue 17, item 1) ----------------------------------------


def _pdf_words(pdf: bytes, tmp_path, pdftotext: str) -> str:
    source = tmp_path / "copy.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(
        [pdftotext, "-layout", str(source), "-"], capture_output=True, check=True, text=True
    ).stdout
    return "".join(text.split())


def test_the_employers_copy_masks_the_claimants_numbers_and_its_download_is_audited(
    client, mediating, arbitration_mediator, tmp_path, require_tool
):
    pdftotext = require_tool("pdftotext")
    claimant = mediating.case.claimants.first()
    typed = f"申请人身份证{claimant.id_number}，联系电话139 1234 5678，另有座机020-87654321。"
    agreement_draft(
        actor=arbitration_mediator, mediation=mediating, data=replace(terms(), clauses=typed)
    )
    mediation_agree(actor=arbitration_mediator, mediation=mediating)
    agreement = rendered(Agreement.objects.get(mediation=mediating))
    _link, token = employer_link_issue(actor=arbitration_mediator, mediation=mediating)
    response = client.get(reverse("confirmation:employer-agreement", kwargs={"token": token}))
    assert response.status_code == 200
    words = _pdf_words(_body(response), tmp_path, pdftotext)
    assert claimant.name in words
    assert mask_id_number(claimant.id_number) in words
    for whole in (claimant.id_number, "13912345678", "87654321"):
        assert whole not in words.replace("-", "")
    downloads = audit_history(mediating).filter(action="mediation.agreement_download")
    assert [(row.actor_id, row.note) for row in downloads] == [(None, agreement.document.sha256)]
    assert mediating.case.employer.name in downloads.get().actor_label
