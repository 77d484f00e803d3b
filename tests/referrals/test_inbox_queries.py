"""The referral inbox measured in B1 (bench/b1_inbox.py) costs a fixed number of queries: rows
from several senders, with and without a linked case, acknowledged or not, on the first page
and on the last, cost no more than three rows do. An N+1 in the inbox fails here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.referrals.models import Referral

from .builders import draft, move

pytestmark = pytest.mark.django_db


def _queries(client, url: str, **params: object) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def _receive(count: int, *, senders, case, liaison) -> None:
    """`count` referrals sent to the procuratorate: alternately by the bureau and by the
    arbitration committee, every other one about a case, every third one acknowledged."""
    for index in range(count):
        author = senders[index % len(senders)]
        linked = case if index % 2 == 0 and author.agency.code == "bureau" else None
        referral = move(draft(author, "procuratorate", case=linked), "send", author)
        if index % 3 == 0:
            move(referral, "acknowledge", liaison)


def test_the_inbox_costs_the_same_queries_for_3_and_for_30_referrals_of_mixed_senders(
    client, bureau_inspector, arbitrator, procuratorate_liaison, bureau_case
):
    client.force_login(procuratorate_liaison)
    inbox = reverse("referrals:inbox")
    senders = [bureau_inspector, arbitrator]
    _receive(3, senders=senders, case=bureau_case, liaison=procuratorate_liaison)
    _queries(client, inbox)  # per-process caches (content types) fill on the first request
    few = _queries(client, inbox)
    _receive(27, senders=senders, case=bureau_case, liaison=procuratorate_liaison)
    assert Referral.objects.count() == 30
    assert _queries(client, inbox) == few
    assert _queries(client, inbox, page=2) == few
