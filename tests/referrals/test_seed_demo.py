"""The demo data: referrals in every state between every pair of agencies, some late."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from portal.core.models import Deadline, User
from portal.referrals.models import Referral, ReferralStatus
from portal.referrals.overdue import referral_overdue_sweep
from portal.referrals.selectors import ReferralFilters, referral_inbox

pytestmark = pytest.mark.django_db

MEMBERS = ("bureau", "arbitration", "procuratorate")
INTERNAL_STATES = {
    ReferralStatus.DRAFT,
    ReferralStatus.SENT,
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.SUPPLEMENT_REQUESTED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.RETURNED,
    ReferralStatus.FEEDBACK_GIVEN,
    ReferralStatus.CLOSED,
    ReferralStatus.WITHDRAWN,
}


@pytest.fixture
def seeded():
    call_command("seed_demo", "--force")


def test_the_demo_has_referrals_in_every_state_between_every_pair_of_agencies(seeded):
    for sender, receiver in itertools.permutations(MEMBERS, 2):
        states = set(
            Referral.objects.filter(
                sender_agency__code=sender, receiver_agency__code=receiver
            ).values_list("status", flat=True)
        )
        assert states == INTERNAL_STATES, (sender, receiver)
    external = dict(
        Referral.objects.filter(is_external=True).values_list("receiver_agency__code", "status")
    )
    assert external == {"police": ReferralStatus.OUTCOME_RECORDED, "court": ReferralStatus.RECORDED}


def test_some_demo_referrals_are_late_and_show_as_overdue(seeded):
    today = timezone.localdate()
    late = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Referral),
        met_at__isnull=True,
        due_on__lt=today,
    )
    assert late.count() >= 3
    admin = User.objects.get(username="proc.admin")
    overdue = referral_inbox(user=admin, filters=ReferralFilters(overdue=True))
    assert overdue.exists()
    assert referral_overdue_sweep().overdue == late.count()


def test_seeding_twice_adds_no_referral(seeded):
    count = Referral.objects.count()
    call_command("seed_demo", "--force")
    assert Referral.objects.count() == count
