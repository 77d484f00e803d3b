"""Each worker of a collective filing has a secret of their own, printed on the receipt: with
it the status page shows their own share and nothing of the other workers; the filing's
secret still shows every share by name."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.cases.secret_hashing import secret_matches
from portal.cases.services.intake import claimant_access_get, secret_display
from portal.cases.services.worker_credentials import worker_secret, worker_secrets
from portal.core.audit import audit_history
from portal.mediation.services import agreement_draft, mediation_agree

from .test_shares import SPLIT, collective, filed, terms  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def status_page(case, secret: str) -> tuple[Client, str]:
    client = Client()
    client.post(
        reverse("kiosk:status"), {"tracking_number": case.tracking_number, "secret": secret}
    )
    return client, client.get(reverse("kiosk:status")).content.decode()


@pytest.fixture
def agreed(collective, arbitration_mediator):  # noqa: F811 - the fixture above
    filing, mediation = collective
    agreement_draft(actor=arbitration_mediator, mediation=mediation, data=terms(*SPLIT))
    mediation_agree(actor=arbitration_mediator, mediation=mediation)
    return filing


def test_every_worker_but_the_first_gets_a_secret_of_their_own_and_one_worker_none():
    filing = filed(3)
    first, second, third = filing.case.claimants.order_by("id")
    assert first.status_secret_hash == ""
    own = worker_secrets(filing.secret, 3)
    assert secret_matches(own[0], second.status_secret_hash)
    assert secret_matches(own[1], third.status_secret_hash)
    assert len(set(own) | {filing.secret}) == 3
    assert worker_secrets(filed(1).secret, 1) == []


def test_a_workers_secret_opens_their_own_part_and_the_filings_secret_the_whole():
    filing = filed(3)
    second = filing.case.claimants.order_by("id")[1]
    assert claimant_access_get(
        tracking_number=filing.case.tracking_number, secret=worker_secret(filing.secret, 1)
    ) == (filing.case, second)
    assert claimant_access_get(
        tracking_number=filing.case.tracking_number, secret=filing.secret
    ) == (filing.case, None)
    assert (
        claimant_access_get(tracking_number=filing.case.tracking_number, secret="ABCD2345") is None
    )


def test_the_workers_page_shows_their_own_share_only_and_no_other_workers_numbers(agreed):
    _client, page = status_page(agreed.case, worker_secret(agreed.secret, 1))
    assert 'data-testid="worker-view"' in page
    assert "申请人2" in page and "¥8,000.00" in page
    assert "申请人1</td>" not in page and "申请人3" not in page and "¥4,000.00" not in page
    assert "¥24,000.00" in page  # the agreement's total, not a worker's
    assert 'data-testid="agreement-pdf"' not in page
    for claimant in agreed.case.claimants.all():
        assert claimant.id_number not in page and claimant.id_number[-4:] not in page
        assert claimant.phone not in page
    opened = audit_history(agreed.case).get(action="kiosk.worker_status_open")
    assert opened.note == "申请人2"


def test_the_filings_secret_still_shows_every_share_by_name(agreed):
    _client, page = status_page(agreed.case, agreed.secret)
    assert 'data-testid="worker-view"' not in page
    for name, _amount in SPLIT:
        assert name in page
    assert not audit_history(agreed.case).filter(action="kiosk.worker_status_open").exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", reverse("confirmation:claimant-agreement")),
        ("post", reverse("confirmation:claimant")),
        ("post", reverse("kiosk:status-material")),
    ],
)
def test_a_workers_own_secret_opens_no_document_or_move_of_the_whole_filing(agreed, method, url):
    client, _page = status_page(agreed.case, worker_secret(agreed.secret, 1))
    assert getattr(client, method)(url).status_code == 404


def test_the_receipt_prints_each_other_workers_own_secret_by_name(filer_receipt):
    case, secret, page = filer_receipt
    workers = list(case.claimants.order_by("id"))
    assert 'data-testid="worker-secrets"' in page
    for i, worker in enumerate(workers[1:], start=1):
        assert (
            f'{worker.name}：<span class="mono">{secret_display(worker_secret(secret, i))}' in page
        )


@pytest.fixture
def filer_receipt(db, settings):
    settings.KIOSK_MIN_FILL_SECONDS = 0
    from portal.kiosk.drafts import RECEIPT_KEY

    from ..kiosk.conftest import Filer, answers
    from ..kiosk.test_collective import three_workers

    visitor = Filer(Client())
    visitor.fill({**answers(), "claimants": three_workers()})
    assert visitor.submit().status_code == 302
    receipt = visitor.client.session[RECEIPT_KEY]
    from portal.cases.models import Case

    page = visitor.client.get(reverse("kiosk:receipt")).content.decode()
    return Case.objects.get(pk=receipt["case"]), receipt["secret"], page
