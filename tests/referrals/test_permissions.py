"""Who sees a referral, and what a referral does to the visibility of its linked case."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from portal.cases.permissions import access_case
from portal.cases.services import case_assign, case_co_handling_start
from portal.core.models import AppointmentKind
from portal.core.people import appointment_create
from portal.core.permissions import agency_group
from portal.referrals.models import ReferralStatus
from portal.referrals.permissions import (
    Move,
    access_referral,
    available_moves,
    referrals_visible_to,
)

from ..factories import UserFactory, agency
from .builders import draft, drive, move

pytestmark = pytest.mark.django_db

S = ReferralStatus


def sees(user, referral) -> bool:
    try:
        access_referral(user, referral.pk)
    except Http404:
        return False
    return True


def sees_case(user, case) -> bool:
    try:
        access_case(user, case.pk)
    except Http404:
        return False
    return True


def test_a_draft_is_visible_to_the_sending_agency_only(
    clue, bureau_leader, bureau_mediator, procuratorate_admin, arbitration_admin
):
    assert sees(bureau_leader, clue) and sees(bureau_mediator, clue)
    assert not sees(procuratorate_admin, clue)
    assert not sees(arbitration_admin, clue)


def test_a_sent_referral_is_visible_to_both_agencies_and_nobody_else(
    clue, bureau_inspector, procuratorate_liaison, arbitration_admin, arbitration_mediator, outsider
):
    clue = move(clue, "send", bureau_inspector)
    assert sees(bureau_inspector, clue)
    assert sees(procuratorate_liaison, clue)
    for stranger in (arbitration_admin, arbitration_mediator, outsider):
        assert not sees(stranger, clue)


def test_a_superuser_gets_no_shortcut(clue, bureau_inspector):
    clue = move(clue, "send", bureau_inspector)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert not sees(root, clue)
    assert not referrals_visible_to(root).exists()


def test_a_missing_referral_and_someone_elses_referral_are_both_404(
    clue, bureau_inspector, arbitrator
):
    clue = move(clue, "send", bureau_inspector)
    for pk in (clue.pk, clue.pk + 1000, "not-a-number"):
        with pytest.raises(Http404):
            access_referral(arbitrator, pk)


def test_an_appointment_by_another_agency_shows_none_of_its_referrals(
    arbitrator, arbitration_admin, arbitration_case, bureau_mediator, procuratorate_liaison
):
    """The special mediator works one arbitration case, not arbitration's referrals of it."""
    appointment_create(
        actor=arbitration_admin,
        user=bureau_mediator,
        appointing_agency=agency("arbitration"),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=timezone.localdate() - datetime.timedelta(days=1),
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    referral = drive(draft(arbitrator, "procuratorate", case=arbitration_case), S.SENT)
    assert sees_case(bureau_mediator, arbitration_case)
    assert not sees(bureau_mediator, referral)
    assert sees(procuratorate_liaison, referral)


def test_sending_shares_the_linked_case_with_the_receiver(
    bureau_inspector, bureau_case, procuratorate_liaison
):
    referral = draft(bureau_inspector, "procuratorate", case=bureau_case)
    assert not sees_case(procuratorate_liaison, bureau_case)
    move(referral, "send", bureau_inspector)
    assert sees_case(procuratorate_liaison, bureau_case)
    assert list(bureau_case.co_handling_agencies.all()) == [agency("procuratorate")]


@pytest.mark.parametrize("status", [S.ACKNOWLEDGED, S.SUPPLEMENT_REQUESTED, S.ACCEPTED, S.CLOSED])
def test_the_case_stays_shared_while_the_referral_is_open_accepted_or_done(
    bureau_inspector, bureau_case, procuratorate_liaison, procuratorate_admin, status
):
    referral = draft(bureau_inspector, "procuratorate", case=bureau_case)
    drive(
        referral, status, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    assert sees_case(procuratorate_liaison, bureau_case)


@pytest.mark.parametrize("status", [S.RETURNED, S.WITHDRAWN])
def test_a_returned_or_withdrawn_referral_stays_visible_but_its_case_is_no_longer_shared(
    bureau_inspector, bureau_case, procuratorate_liaison, procuratorate_admin, status
):
    referral = draft(bureau_inspector, "procuratorate", case=bureau_case)
    referral = drive(
        referral, status, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    assert sees(procuratorate_liaison, referral)
    assert sees(bureau_inspector, referral)
    assert not sees_case(procuratorate_liaison, bureau_case)
    assert sees_case(bureau_inspector, bureau_case)
    assert not bureau_case.co_handling_agencies.exists()


def test_returning_one_referral_keeps_the_case_shared_for_another_running_one(
    bureau_inspector, bureau_case, procuratorate_liaison, procuratorate_admin
):
    first = draft(bureau_inspector, "procuratorate", case=bureau_case)
    second = draft(bureau_inspector, "procuratorate", case=bureau_case)
    drive(
        first, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    drive(
        second, S.RETURNED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    assert sees_case(procuratorate_liaison, bureau_case)


def test_returning_a_referral_leaves_a_sharing_that_an_admin_made_alone(
    bureau_inspector, bureau_admin, bureau_case, procuratorate_liaison, procuratorate_admin
):
    case_co_handling_start(actor=bureau_admin, case=bureau_case, agency=agency("procuratorate"))
    referral = draft(bureau_inspector, "procuratorate", case=bureau_case)
    drive(
        referral,
        S.RETURNED,
        receiver_staff=procuratorate_liaison,
        receiver_admin=procuratorate_admin,
    )
    assert sees_case(procuratorate_liaison, bureau_case)


def test_a_referral_to_the_cases_owner_shares_nothing(
    bureau_inspector, bureau_admin, bureau_case, arbitrator
):
    """The bureau shares its case with arbitration, which refers it back to the bureau."""
    case_co_handling_start(actor=bureau_admin, case=bureau_case, agency=agency("arbitration"))
    referral = draft(arbitrator, "bureau", case=bureau_case)
    move(referral, "send", arbitrator)
    assert list(bureau_case.co_handling_agencies.all()) == [agency("arbitration")]


def test_the_grants_go_to_the_agency_groups(clue, bureau_inspector):
    from guardian.shortcuts import get_groups_with_perms

    assert set(get_groups_with_perms(clue)) == {agency_group(agency("bureau"))}
    clue = move(clue, "send", bureau_inspector)
    assert set(get_groups_with_perms(clue)) == {
        agency_group(agency("bureau")),
        agency_group(agency("procuratorate")),
    }


def test_the_buttons_follow_the_role_rules(
    clue,
    bureau_inspector,
    bureau_mediator,
    bureau_admin,
    bureau_leader,
    procuratorate_liaison,
    procuratorate_admin,
):
    assert available_moves(bureau_inspector, clue) == {Move.SEND}
    assert available_moves(bureau_admin, clue) == {Move.SEND}
    assert available_moves(bureau_mediator, clue) == set()
    clue = move(clue, "send", bureau_inspector)
    assert available_moves(bureau_inspector, clue) == {Move.WITHDRAW}
    assert available_moves(procuratorate_liaison, clue) == {Move.ACKNOWLEDGE}
    assert available_moves(bureau_leader, clue) == set()
    clue = move(clue, "acknowledge", procuratorate_liaison)
    assert available_moves(procuratorate_admin, clue) == {
        Move.ACCEPT,
        Move.RETURN,
        Move.REQUEST_SUPPLEMENT,
    }
    assert available_moves(procuratorate_liaison, clue) == {Move.REQUEST_SUPPLEMENT}
    assert available_moves(bureau_inspector, clue) == set()
