"""The overdue sweep: marks, announces and escalates late steps once, in a fixed number of
queries however many referrals are late."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.core.deadlines import deadlines_of
from portal.core.models import Deadline, Notification
from portal.referrals.models import Referral, ReferralStatus
from portal.referrals.overdue import referral_overdue_sweep
from portal.referrals.services import ACKNOWLEDGE_POLICY, FEEDBACK_POLICY
from portal.referrals.tasks import referral_overdue_sweep_task

from .builders import draft, drive, move

pytestmark = pytest.mark.django_db


def sent_clues(author, count: int) -> list[Referral]:
    return [move(draft(author, "procuratorate"), "send", author) for _ in range(count)]


def due_on(referral: Referral) -> datetime.date:
    return deadlines_of(referral).get(met_at__isnull=True).due_on


def days_after(day: datetime.date, days: int) -> datetime.date:
    return day + datetime.timedelta(days=days)


def notified(key_prefix: str = "") -> set[tuple[str, str]]:
    rows = Notification.objects.filter(dedupe_key__startswith=key_prefix)
    return set(rows.values_list("recipient__username", "dedupe_key"))


def test_nothing_happens_while_nothing_is_late(bureau_inspector, procuratorate_admin):
    (referral,) = sent_clues(bureau_inspector, 1)
    result = referral_overdue_sweep(today=due_on(referral))
    assert (result.overdue, result.escalated, result.notifications) == (0, 0, 0)
    assert not Notification.objects.exists()


def test_a_late_acknowledgement_is_marked_and_announced_to_the_receivers_admins_and_the_author(
    bureau_inspector,
    procuratorate_admin,
    procuratorate_liaison,
    bureau_admin,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    (referral,) = sent_clues(bureau_inspector, 1)
    deadline = deadlines_of(referral).get()
    with django_capture_on_commit_callbacks(execute=True):
        result = referral_overdue_sweep(today=days_after(deadline.due_on, 1))
    assert (result.overdue, result.escalated, result.notifications) == (1, 0, 2)
    key = f"referral-overdue-{deadline.pk}"
    assert notified() == {("proc.admin", key), ("bureau.inspector", key)}
    deadline.refresh_from_db()
    assert deadline.overdue_notified_at is not None
    assert deadline.escalated_at is None
    title = Notification.objects.filter(recipient=procuratorate_admin).get().title
    assert referral.number in title
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [procuratorate_admin.email, bureau_inspector.email]
    )


def test_a_second_sweep_sends_nothing_new(
    bureau_inspector, procuratorate_admin, django_capture_on_commit_callbacks, mailoutbox
):
    referrals = sent_clues(bureau_inspector, 2)
    today = days_after(due_on(referrals[0]), 1)
    with django_capture_on_commit_callbacks(execute=True):
        referral_overdue_sweep(today=today)
    before = (Notification.objects.count(), len(mailoutbox))
    with django_capture_on_commit_callbacks(execute=True):
        again = referral_overdue_sweep(today=today)
    assert (again.overdue, again.escalated, again.notifications) == (0, 0, 0)
    assert (Notification.objects.count(), len(mailoutbox)) == before


def test_long_late_steps_escalate_to_the_senders_admins_and_the_receivers_leaders(
    arrears, arbitrator, arbitration_admin, bureau_admin, bureau_leader, bureau_inspector
):
    referral = move(arrears, "send", arbitrator)
    deadline = deadlines_of(referral).get()
    referral_overdue_sweep(today=days_after(deadline.due_on, 1))
    wait = deadline.policy.escalate_after_days
    assert referral_overdue_sweep(today=days_after(deadline.due_on, wait)).escalated == 0
    result = referral_overdue_sweep(today=days_after(deadline.due_on, wait + 1))
    assert (result.overdue, result.escalated) == (0, 1)
    key = f"referral-escalated-{deadline.pk}"
    assert notified("referral-escalated") == {
        ("bureau.admin", key),
        ("arb.arbitrator", key),
        ("arb.admin", key),
        ("leader", key),
    }
    deadline.refresh_from_db()
    assert deadline.escalated_at is not None
    assert referral_overdue_sweep(today=days_after(deadline.due_on, wait + 5)).notifications == 0


def test_a_step_found_long_late_is_marked_and_escalated_at_once(
    bureau_inspector, procuratorate_admin, bureau_admin
):
    (referral,) = sent_clues(bureau_inspector, 1)
    deadline = deadlines_of(referral).get()
    result = referral_overdue_sweep(today=days_after(deadline.due_on, 30))
    assert (result.overdue, result.escalated) == (1, 1)
    assert {key.split("-")[1] for _user, key in notified()} == {"overdue", "escalated"}


def test_a_step_done_in_time_is_never_late(
    clue, bureau_inspector, procuratorate_liaison, procuratorate_admin
):
    referral = drive(clue, ReferralStatus.ACKNOWLEDGED, receiver_staff=procuratorate_liaison)
    acknowledgement = deadlines_of(referral).get(policy__key=ACKNOWLEDGE_POLICY)
    assert referral_overdue_sweep(today=days_after(acknowledgement.due_on, 40)).overdue == 0


def test_a_late_feedback_is_announced_like_a_late_acknowledgement(
    clue, procuratorate_liaison, procuratorate_admin
):
    referral = drive(
        clue,
        ReferralStatus.ACCEPTED,
        receiver_staff=procuratorate_liaison,
        receiver_admin=procuratorate_admin,
    )
    feedback = deadlines_of(referral).get(policy__key=FEEDBACK_POLICY)
    result = referral_overdue_sweep(today=days_after(feedback.due_on, 1))
    assert result.overdue == 1
    assert ("proc.admin", f"referral-overdue-{feedback.pk}") in notified()


def test_a_withdrawn_referral_is_never_late(clue, bureau_inspector, procuratorate_admin):
    referral = drive(clue, ReferralStatus.WITHDRAWN)
    assert not deadlines_of(referral).filter(met_at__isnull=True).exists()
    assert referral_overdue_sweep(today=days_after(referral.created_at.date(), 60)).overdue == 0


def _sweep_queries(today: datetime.date) -> int:
    with CaptureQueriesContext(connection) as queries:
        referral_overdue_sweep(today=today)
    return len(queries)


@pytest.mark.parametrize("phase", ["overdue", "escalation"])
def test_the_sweep_costs_the_same_queries_for_3_and_for_30_late_referrals(
    bureau_inspector, procuratorate_admin, bureau_admin, phase
):
    """(On SQLite an insert of more than about 120 notifications is split in two; the test
    stays below that, PostgreSQL has no such limit.)"""
    counts = []
    for size in (3, 30):
        Deadline.objects.filter(met_at__isnull=True).update(met_at=timezone.now())
        referrals = sent_clues(bureau_inspector, size)
        due = due_on(referrals[0])
        first_day = days_after(due, 1)
        if phase == "escalation":
            referral_overdue_sweep(today=first_day)
            wait = deadlines_of(referrals[0]).get().policy.escalate_after_days
            first_day = days_after(due, wait + 1)
        before = Notification.objects.count()
        counts.append(_sweep_queries(first_day))
        per_referral = 2 if phase == "overdue" else 3
        assert Notification.objects.count() - before == size * per_referral
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10, counts


def test_the_beat_schedule_runs_the_sweep_task(bureau_inspector, procuratorate_admin):
    schedule = settings.CELERY_BEAT_SCHEDULE["referral-overdue-sweep"]
    assert schedule["task"] == "portal.referrals.tasks.referral_overdue_sweep_task"
    (referral,) = sent_clues(bureau_inspector, 1)
    Deadline.objects.filter(object_id=referral.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert referral_overdue_sweep_task.delay().get() == 2
    assert referral_overdue_sweep_task.delay().get() == 0
