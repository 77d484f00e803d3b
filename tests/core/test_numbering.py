"""Gap-free document numbers: sequential, returned on rollback, safe under concurrency."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from portal.cases.models import Case
from portal.core.bootstrap import seed_reference_data
from portal.core.errors import ApplicationError
from portal.core.models import Agency, NumberSequence, Role, User
from portal.core.numbering import number_next, number_take
from tests.helpers import run_at_once

from ..factories import agency, make_case, member


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test starts from a flushed database when another one ran before it."""
    seed_reference_data()


@pytest.mark.django_db(transaction=True)
def test_a_number_drawn_outside_a_transaction_is_refused(reference_data):
    with pytest.raises(RuntimeError, match="inside the creating transaction"):
        number_next(agency=agency("arbitration"), series="case", year=2026)
    assert not NumberSequence.objects.exists()


@pytest.mark.django_db
def test_numbers_follow_each_other_per_agency_series_and_year():
    arbitration, bureau = agency("arbitration"), agency("bureau")
    with transaction.atomic():
        drawn = [number_next(agency=arbitration, series="case", year=2026) for _ in range(3)]
        drawn.append(number_next(agency=arbitration, series="case", year=2027))
        drawn.append(number_next(agency=arbitration, series="letter", year=2026))
        drawn.append(number_next(agency=bureau, series="case", year=2026))
        drawn.append(number_next(agency=arbitration, series="case", year=2026))
    assert drawn == [1, 2, 3, 1, 1, 1, 4]


@pytest.mark.django_db
def test_a_rolled_back_creation_returns_its_number():
    arbitration = agency("arbitration")
    with transaction.atomic():
        assert number_next(agency=arbitration, series="case", year=2026) == 1
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert number_next(agency=arbitration, series="case", year=2026) == 2
        1 / 0  # noqa: B018 - the creation fails after drawing its number
    with transaction.atomic():
        assert number_next(agency=arbitration, series="case", year=2026) == 2


@pytest.mark.django_db
def test_a_refused_case_leaves_no_gap_in_the_case_numbers(arbitrator):
    year = timezone.localdate().year
    make_case(agency_code="arbitration", actor=arbitrator)
    with pytest.raises(ApplicationError):
        make_case(agency_code="arbitration", actor=arbitrator, amount="-1")
    make_case(agency_code="arbitration", actor=arbitrator)
    assert list(Case.objects.order_by("pk").values_list("number", flat=True)) == [
        f"穗海劳人仲案字〔{year}〕第1号",
        f"穗海劳人仲案字〔{year}〕第2号",
    ]


@pytest.mark.django_db
def test_a_series_without_a_format_gets_a_plain_padded_number():
    court = Agency.objects.get(code="court")
    year = timezone.localdate().year
    with transaction.atomic():
        assert number_take(agency=court, series="case") == f"court{year}-00001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("series", "field", "template", "expected"),
    [
        (
            "case",
            "case_number_format",
            "海劳人仲案字〔{year}〕第{seq}号",
            "海劳人仲案字〔{year}〕第1号",
        ),
        (
            "referral",
            "referral_number_format",
            "海人社移〔{year}〕{seq}号",
            "海人社移〔{year}〕1号",
        ),
        (
            "mediation_statement",
            "mediation_statement_number_format",
            "海调〔{year}〕{seq:03d}号",
            "海调〔{year}〕001号",
        ),
    ],
)
def test_every_document_kind_is_numbered_as_its_agency_set_in_the_admin(
    series, field, template, expected
):
    agency = Agency.objects.get(code="bureau")
    setattr(agency, field, template)
    agency.save(update_fields=[field])
    year = timezone.localdate().year
    with transaction.atomic():
        assert number_take(agency=agency, series=series) == expected.format(year=year)


THREADS = 8
CASES_PER_THREAD = 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creators_get_every_number_exactly_once(reference_data):
    staff = [member(f"arb.clerk{i}", "arbitration", Role.ARBITRATOR).pk for i in range(THREADS)]

    def create_cases(user_id: int) -> list[str]:
        actor = User.objects.select_related("membership__agency").get(pk=user_id)
        return [
            make_case(agency_code="arbitration", actor=actor).number
            for _ in range(CASES_PER_THREAD)
        ]

    results, errors = run_at_once([lambda pk=pk: create_cases(pk) for pk in staff])
    numbers = [number for batch in results for number in batch]  # type: ignore[attr-defined]
    assert not errors, errors
    year = timezone.localdate().year
    total = THREADS * CASES_PER_THREAD
    assert sorted(numbers) == sorted(
        f"穗海劳人仲案字〔{year}〕第{n}号" for n in range(1, total + 1)
    )
    assert len(set(numbers)) == total
    sequence = NumberSequence.objects.get(agency=agency("arbitration"), series="case", year=year)
    assert sequence.last == total
    assert Case.objects.count() == total
