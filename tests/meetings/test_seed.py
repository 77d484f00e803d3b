"""The demo data: a meeting of every kind, an open poll, approved minutes with an overdue
action item; running the seed again adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.core.models import User
from portal.meetings.models import ActionItem, Meeting, MeetingKind, MeetingStatus, MinutesStatus
from portal.meetings.selectors import action_items_for_agency
from portal.meetings.services import action_items_overdue_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--force")


def test_the_demo_has_a_meeting_of_every_kind(seeded):
    assert set(Meeting.objects.values_list("kind", flat=True)) == set(MeetingKind.values)


def test_the_demo_has_one_open_poll_with_answers(seeded):
    (poll,) = Meeting.objects.filter(status=MeetingStatus.PLANNING)
    assert poll.slots.count() == 2
    assert poll.slots.filter(votes__isnull=False).exists()
    assert all(slot.starts_at > timezone.now() for slot in poll.slots.all())


def test_the_demo_has_approved_minutes_with_an_overdue_action_item_for_the_bureau(seeded):
    (closed,) = Meeting.objects.filter(status=MeetingStatus.CLOSED)
    assert closed.minutes.status == MinutesStatus.APPROVED
    assert closed.starts_at < timezone.now()
    overdue = ActionItem.objects.get(meeting=closed, owner_agency__code="bureau")
    assert overdue.deadline.due_on < timezone.localdate()
    bureau_admin = User.objects.get(username="bureau.admin")
    assert overdue in action_items_for_agency(bureau_admin)
    assert action_items_overdue_sweep().overdue == 1


def test_seeding_twice_adds_no_meeting(seeded):
    meetings, items = Meeting.objects.count(), ActionItem.objects.count()
    call_command("seed_demo", "--force")
    assert (Meeting.objects.count(), ActionItem.objects.count()) == (meetings, items)
