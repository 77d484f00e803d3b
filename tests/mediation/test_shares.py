"""Collective claims: the agreement splits its total among the workers, the payments carry
each worker's part, and each worker's page shows the shares by name only; ten workers or more
are a collective dispute (art. 7), marked in the intake queue."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.cases.models import CaseChannel
from portal.cases.services.intake import case_file, case_route_to_mediation
from portal.core.errors import ApplicationError
from portal.mediation.models import Agreement, AgreementShare, PaymentMethod
from portal.mediation.selectors import worker_shares
from portal.mediation.services import (
    AgreementData,
    InstalmentData,
    ShareData,
    agreement_draft,
    mediation_agree,
    mediation_assign,
    mediation_open,
)

from ..factories import case_data
from .builders import pay, rendered_text

pytestmark = pytest.mark.django_db


def filed(workers: int):
    data = case_data(claimants=workers, amount="30000.00")
    data.mediation_consent = True
    return case_file(data=data, channel=CaseChannel.KIOSK)


@pytest.fixture
def collective(arbitrator, arbitration_admin, arbitration_mediator):
    filing = filed(3)
    case = case_route_to_mediation(actor=arbitrator, case=filing.case)
    mediation = mediation_open(actor=arbitrator, case=case)
    mediation = mediation_assign(
        actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator
    )
    return filing, mediation


def terms(*shares: tuple[str, str]) -> AgreementData:
    today = timezone.localdate()
    return AgreementData(
        total_amount=Decimal("24000.00"),
        payment_method=PaymentMethod.BANK_TRANSFER,
        instalments=[
            InstalmentData(today + datetime.timedelta(days=10), Decimal("12000.00")),
            InstalmentData(today + datetime.timedelta(days=40), Decimal("12000.00")),
        ],
        shares=[ShareData(name, Decimal(amount)) for name, amount in shares],
    )


SPLIT = (("申请人1", "12000.00"), ("申请人2", "8000.00"), ("申请人3", "4000.00"))


def test_the_agreement_splits_the_total_among_the_workers_and_the_payments_follow(
    collective, arbitration_mediator
):
    _filing, mediation = collective
    agreement = agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms(*SPLIT))
    assert [(s.name, s.amount) for s in worker_shares(agreement)] == [
        (name, Decimal(amount)) for name, amount in SPLIT
    ]
    agreement.effective_at = timezone.now()
    agreement.save(update_fields=["effective_at"])
    pay(agreement, arbitration_mediator)
    assert [s.paid for s in worker_shares(agreement)] == [
        Decimal("6000.00"),
        Decimal("4000.00"),
        Decimal("2000.00"),
    ]


@pytest.mark.parametrize(
    ("shares", "says"),
    [
        (SPLIT[:2], "每名劳动者"),
        ((*SPLIT[:2], ("王五", "4000.00")), "王五"),
        ((*SPLIT[:2], ("申请人3", "3000.00")), "之和"),
        (((SPLIT[0][0], "24000.00"), (SPLIT[1][0], "0.00"), (SPLIT[2][0], "0.00")), "大于零"),
    ],
    ids=["a worker left out", "someone not of the case", "not adding up", "a zero share"],
)
def test_a_split_that_is_not_every_worker_once_adding_up_is_refused_and_nothing_saved(
    collective, arbitration_mediator, shares, says
):
    _filing, mediation = collective
    with pytest.raises(ApplicationError, match=says) as refused:
        agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms(*shares))
    assert refused.value.field == "shares"
    assert not AgreementShare.objects.exists()


def test_one_worker_alone_needs_no_split(arbitrator, arbitration_admin, arbitration_mediator):
    filing = filed(1)
    case = case_route_to_mediation(actor=arbitrator, case=filing.case)
    mediation = mediation_assign(
        actor=arbitration_admin,
        mediation=mediation_open(actor=arbitrator, case=case),
        mediator=arbitration_mediator,
    )
    agreement = agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms())
    assert agreement.shares.get().amount == Decimal("24000.00")
    assert worker_shares(agreement) == []


def test_the_status_page_shows_the_shares_by_name_and_no_other_workers_numbers(
    collective, arbitration_mediator
):
    filing, mediation = collective
    agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms(*SPLIT))
    mediation_agree(actor=arbitration_mediator, mediation=mediation)
    client = Client()
    client.post(
        reverse("kiosk:status"),
        {"tracking_number": filing.case.tracking_number, "secret": filing.secret},
    )
    page = client.get(reverse("kiosk:status")).content.decode()
    assert 'data-testid="shares"' in page
    for name, amount in SPLIT:
        assert name in page and f"{Decimal(amount):,}" in page
    for claimant in filing.case.claimants.all():
        assert claimant.id_number not in page
        assert claimant.id_number[-4:] not in page
        assert claimant.phone not in page


def test_ten_workers_are_a_collective_dispute_marked_in_the_queue_with_the_total(arbitrator):
    ten, three = filed(10), filed(3)
    client = Client()
    client.force_login(arbitrator)
    queue = client.get(reverse("intake:queue")).content.decode()
    assert queue.count('data-testid="collective-dispute"') == 1
    detail = client.get(reverse("intake:detail", args=[ten.case.pk])).content.decode()
    assert 'data-testid="collective-dispute"' in detail
    assert "¥30,000.00" in detail and "共10名劳动者" in detail
    other = client.get(reverse("intake:detail", args=[three.case.pk])).content.decode()
    assert 'data-testid="collective-dispute"' not in other


def test_the_agreement_pdf_says_how_the_total_is_split(
    collective, arbitration_mediator, tmp_path, require_tool
):
    _filing, mediation = collective
    agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms(*SPLIT))
    mediation_agree(actor=arbitration_mediator, mediation=mediation)
    pdftotext = require_tool("pdftotext")
    agreement = Agreement.objects.get(mediation=mediation)
    text = rendered_text(agreement.document.pk, pdftotext, tmp_path)
    for name, amount in SPLIT:
        assert name in text and f"{Decimal(amount):,}" in text
