"""The new-case notice: a Celery task enqueued after the filing commits, safe to run twice."""

from __future__ import annotations

from unittest import mock

import pytest

from portal.cases.services import case_new_notify
from portal.cases.tasks import case_new_notify_task
from portal.core.models import Notification

from ..factories import make_case

pytestmark = pytest.mark.django_db


def test_filing_a_case_enqueues_its_notice_only_once_the_filing_commits(
    django_capture_on_commit_callbacks, arbitrator
):
    with (
        mock.patch.object(case_new_notify_task, "apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        case = make_case(agency_code="arbitration", actor=arbitrator)
        assert not publish.called
    publish.assert_called_once()
    assert publish.call_args.kwargs["args"] == [case.pk]
    assert not Notification.objects.exists()  # the request itself notifies nobody


def test_the_task_notifies_every_administrator_of_the_cases_agency_and_no_one_else(
    arbitrator, arbitration_admin, bureau_admin
):
    case = make_case(agency_code="arbitration", actor=arbitrator)

    made = case_new_notify_task.run(case.pk)

    assert made == 1
    notification = Notification.objects.get()
    assert notification.recipient == arbitration_admin
    assert case.number in notification.title
    assert notification.url == f"/cases/{case.pk}/"


def test_a_redelivered_notice_notifies_nobody_twice(arbitrator, arbitration_admin):
    case = make_case(agency_code="arbitration", actor=arbitrator)

    assert case_new_notify(case_id=case.pk) == 1
    assert case_new_notify(case_id=case.pk) == 0
    assert Notification.objects.filter(recipient=arbitration_admin).count() == 1


def test_a_notice_for_a_case_that_no_longer_exists_does_nothing(arbitration_admin):
    assert case_new_notify(case_id=987654) == 0
    assert not Notification.objects.exists()
