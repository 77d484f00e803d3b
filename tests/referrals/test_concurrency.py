"""Races on PostgreSQL: the row lock makes two simultaneous moves one move and one refusal,
and referral numbers stay gap-free under concurrent sending."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone, translation

from portal.core.audit import audit_history
from portal.core.bootstrap import seed_reference_data
from portal.core.errors import ApplicationError
from portal.core.models import Role, User
from portal.referrals.models import Referral, ReferralStatus
from portal.referrals.services import referral_acknowledge, referral_send
from tests.helpers import run_at_once

from ..factories import member
from .builders import draft, move


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test starts from a flushed database when another one ran before it."""
    seed_reference_data()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_acknowledging_the_same_referral_at_once_make_exactly_one_move(
    reference_data,
):
    author = member("bureau.inspector", "bureau", Role.INSPECTOR)
    member("proc.admin", "procuratorate", Role.AGENCY_ADMIN)
    officers = [member(f"proc.officer{i}", "procuratorate", Role.LIAISON).pk for i in range(2)]
    referral = move(draft(author, "procuratorate"), "send", author)
    version = referral.version

    def acknowledge(user_id: int) -> Callable[[], object]:
        def call() -> object:
            officer = User.objects.select_related("membership__agency").get(pk=user_id)
            page = Referral.objects.get(pk=referral.pk)  # each officer loaded the same page
            with translation.override("en"):
                return referral_acknowledge(actor=officer, referral=page, expected_version=version)

        return call

    results, errors = run_at_once([acknowledge(pk) for pk in officers])

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], ApplicationError), errors
    assert "changed meanwhile" in errors[0].message
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACKNOWLEDGED
    assert referral.version == version + 1
    assert audit_history(referral).filter(action="referral.acknowledge").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_get_every_referral_number_exactly_once(reference_data):
    senders = [member(f"bureau.clerk{i}", "bureau", Role.INSPECTOR) for i in range(6)]
    drafts = [(sender.pk, draft(sender, "procuratorate").pk) for sender in senders]

    def send(user_id: int, referral_id: int) -> Callable[[], object]:
        def call() -> object:
            actor = User.objects.select_related("membership__agency").get(pk=user_id)
            referral = Referral.objects.get(pk=referral_id)
            return referral_send(actor=actor, referral=referral, expected_version=1).number

        return call

    numbers, errors = run_at_once([send(*pair) for pair in drafts])

    assert not errors, errors
    year = timezone.localdate().year
    assert sorted(numbers) == sorted(f"海人社移〔{year}〕{n}号" for n in range(1, 7))  # type: ignore[type-var]
