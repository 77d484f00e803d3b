"""The submit of a filing runs a fixed number of queries, however many workers and claims it
holds (the request that files is what a kiosk surge is made of)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.cases.models import Case

from ..factories import valid_resident_id
from .conftest import answers

# Counted inside the test's transaction, where the submit's own transaction is one savepoint; the
# case services add none (case_check refuses before their first write); the grant reads the
# permission ids, and Django's session engine saves in a savepoint of its own (SAVEPOINT, UPDATE,
# RELEASE).
# The new case's notice of the agency's administrators is kept in the outbox (one insert) and
# runs afterwards, as a worker would, outside the count. Every filing reads the arbitration
# committee's row (intake_agency) and asks the duplicate check one query; it looks whether its
# draft was submitted before and records that it now was (two queries); its acceptance clock
# reads its policy, the entered years and their days.
SUBMIT_QUERIES = 26


def _answers(workers: int, claims: int) -> dict[str, dict[str, str]]:
    filing = answers()
    claimants = {"count": str(workers)}
    for i in range(workers):
        claimants.update(
            {
                f"c{i}-name": f"工人{i}",
                f"c{i}-id_number": valid_resident_id(born="19880515"),
                f"c{i}-phone": "13812345678",
                f"c{i}-address": "广州市海珠区南洲路12号",
            }
        )
    kinds = ["unpaid_wages", "overtime", "compensation", "social_insurance", "other"]
    listed = {"count": str(claims)}
    for i in range(claims):
        listed.update(
            {
                f"k{i}-kind": kinds[i % len(kinds)],
                f"k{i}-amount": "1000.00",
                f"k{i}-description": "拖欠款项",
            }
        )
    return {**filing, "claimants": claimants, "claims": listed}


def _submit_queries(filer, capture_on_commit, workers: int, claims: int) -> int:
    visitor = filer()
    visitor.fill(_answers(workers, claims))
    with capture_on_commit() as callbacks, CaptureQueriesContext(connection) as captured:
        response = visitor.submit()
    assert response.status_code == 302
    for callback in callbacks:
        callback()
    return len(captured.captured_queries)


def test_the_submit_runs_the_same_queries_for_one_worker_and_claim_as_for_five(
    filer, django_capture_on_commit_callbacks, arbitration_admin
):
    capture = django_capture_on_commit_callbacks
    _submit_queries(filer, capture, 1, 1)  # the year's first filing creates its sequence
    one = _submit_queries(filer, capture, 1, 1)
    five = _submit_queries(filer, capture, 5, 5)
    assert Case.objects.count() == 3
    assert Case.objects.order_by("-pk").first().claimants.count() == 5
    assert (one, five) == (SUBMIT_QUERIES, SUBMIT_QUERIES)
    assert arbitration_admin.notifications.count() == 3
