"""Without retyping: a clue referred to arbitration or the procuratorate becomes a referral
drafted by the referrals' services with its text and files; the employer's other clues and
cases show on the clue page; duplicates are flagged and linked, never merged."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.clues.models import Clue
from portal.clues.selectors import clue_employer_history, clue_possible_duplicates
from portal.core.errors import ApplicationError
from portal.referrals.models import ReferralKind, ReferralStatus
from tests.helpers import png_bytes

from ..factories import make_case
from ..referrals.builders import move as referral_move
from .builders import clue_data, drive, move, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def with_file(actor, **kwargs) -> Clue:
    from portal.clues import services

    data = clue_data(**kwargs)
    data.files = [SimpleUploadedFile("工资表.png", png_bytes(), "image/png")]
    return services.clue_register(actor=actor, data=data)


def test_a_clue_referred_to_arbitration_reaches_the_committee_with_its_text_and_files(
    bureau_inspector, bureau_admin, arbitrator, home_squad
):
    clue = drive(
        with_file(bureau_inspector), "checked", admin=bureau_admin, worker=bureau_inspector
    )
    move(clue, "refer", bureau_inspector, kind=ReferralKind.DISPUTE)
    (referral,) = Clue.objects.get(pk=clue.pk).referrals.all()
    assert (referral.kind, referral.receiver_agency.code, referral.status) == (
        ReferralKind.DISPUTE,
        "arbitration",
        ReferralStatus.DRAFT,
    )
    assert clue.text in referral.summary
    assert (referral.employer_name, referral.workers, referral.amount_owed) == (
        clue.employer_name,
        clue.workers,
        clue.amount_owed,
    )
    assert [a.original_name for a in referral.attachments.all()] == ["工资表.png"]
    referral_move(referral, "send", bureau_inspector)
    client = Client()
    client.force_login(arbitrator)
    inbox = client.get(reverse("referrals:inbox")).content.decode()
    assert referral.number in inbox


@pytest.mark.parametrize(
    "kind", [ReferralKind.WAGE_REFUSAL_CRIME, ReferralKind.FALSE_ARBITRATION_CLUE]
)
def test_a_clue_referred_to_the_procuratorate_becomes_a_referral_of_that_type(
    bureau_inspector, bureau_admin, home_squad, kind
):
    clue = drive(register(bureau_inspector), "checked", admin=bureau_admin, worker=bureau_inspector)
    move(clue, "refer", bureau_inspector, kind=kind)
    (referral,) = Clue.objects.get(pk=clue.pk).referrals.all()
    assert (referral.kind, referral.receiver_agency.code) == (kind, "procuratorate")


def test_a_clue_cannot_be_referred_as_a_kind_no_clue_leads_to(
    bureau_inspector, bureau_admin, home_squad
):
    clue = drive(register(bureau_inspector), "checked", admin=bureau_admin, worker=bureau_inspector)
    with pytest.raises(ApplicationError, match="Choose what the clue is referred as"):
        move(clue, "refer", bureau_inspector, kind=ReferralKind.PROSECUTION_SUPPORT)
    assert not Clue.objects.get(pk=clue.pk).referrals.exists()


def test_same_employer_with_overlapping_workers_within_30_days_is_flagged_not_merged(
    bureau_inspector, bureau_admin, home_squad
):
    now = timezone.now()
    first = register(bureau_inspector, credit_code="", employer_name="甲劳务公司", received_at=now)
    second = register(
        bureau_inspector,
        credit_code="",
        employer_name="甲劳务公司",
        received_at=now + datetime.timedelta(days=10),
    )
    long_after = register(
        bureau_inspector,
        credit_code="",
        employer_name="甲劳务公司",
        received_at=now + datetime.timedelta(days=45),
    )
    one_worker = register(
        bureau_inspector, credit_code="", employer_name="甲劳务公司", workers=1, received_at=now
    )
    assert list(clue_possible_duplicates(second)) == [first]
    assert long_after not in clue_possible_duplicates(first)
    assert one_worker not in clue_possible_duplicates(first)
    second = drive(second, "assigned", admin=bureau_admin, worker=bureau_inspector)
    second = move(second, "link_duplicate", bureau_inspector, other=first)
    assert second.duplicate_of == first
    assert Clue.objects.count() == 4  # nothing merged
    assert list(clue_possible_duplicates(first)) == []  # linked: no longer a flag


def test_the_clue_page_shows_the_employers_other_clues_and_cases(
    bureau_inspector, bureau_admin, arbitrator, home_squad
):
    bureau_case = make_case(agency_code="bureau", actor=bureau_inspector)
    arbitration_case = make_case(agency_code="arbitration", actor=arbitrator)
    code = bureau_case.employer.credit_code
    arbitration_case.employer = bureau_case.employer
    arbitration_case.save(update_fields=["employer"])
    earlier = register(bureau_inspector, credit_code=code)
    clue = register(bureau_inspector, credit_code=code)
    history = clue_employer_history(clue, bureau_inspector)
    assert (history.clues, history.cases, history.other_cases) == ([earlier], [bureau_case], 1)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bureau_inspector)
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert bureau_case.number in page
    assert "1 case at another agency" in page
