"""Overdue referrals show on the work lists of both agencies, and of no other."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.core.models import Deadline

from .builders import move

pytestmark = pytest.mark.django_db


def overdue(referral):
    Deadline.objects.filter(object_id=referral.pk, met_at__isnull=True).update(
        due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    return referral


def late_rows(client, user):
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return [referral.pk for referral in response.context["overdue_referrals"]]


def test_a_late_referral_is_on_the_senders_and_the_receivers_work_list(
    client, clue, bureau_inspector, procuratorate_liaison, arbitration_mediator
):
    sent = overdue(move(clue, "send", bureau_inspector))
    assert late_rows(client, bureau_inspector) == [sent.pk]
    assert late_rows(client, procuratorate_liaison) == [sent.pk]
    assert late_rows(client, arbitration_mediator) == []


def test_a_referral_on_time_is_not_on_the_work_list(client, clue, bureau_inspector):
    move(clue, "send", bureau_inspector)
    assert late_rows(client, bureau_inspector) == []


def test_the_work_list_shows_the_late_referrals_number_and_link(client, clue, bureau_inspector):
    sent = overdue(move(clue, "send", bureau_inspector))
    client.force_login(bureau_inspector)
    html = client.get(reverse("core:home")).content.decode()
    assert sent.number in html
    assert reverse("referrals:detail", args=[sent.pk]) in html
