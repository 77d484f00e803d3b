"""Gap-free document numbers per agency, series and year (case numbers, referral letters...)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Agency, NumberSequence


def number_next(*, agency: Agency, series: str, year: int) -> int:
    """The next number of the series. Must run inside the transaction that uses the number:
    the row lock serialises concurrent creators, and a rollback returns the number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the creating transaction")
    drawn = _increment(agency, series, year)
    if drawn is not None:
        return drawn
    try:
        # Two first creators of a year race here; the loser's insert fails on the unique
        # constraint and it then waits on the winner's row lock like everyone else.
        with transaction.atomic():
            NumberSequence.objects.create(agency=agency, series=series, year=year)
    except IntegrityError:
        pass
    drawn = _increment(agency, series, year)
    if drawn is None:
        raise RuntimeError(f"no number sequence {agency.pk}/{series}/{year}")
    return drawn


def _increment(agency: Agency, series: str, year: int) -> int | None:
    # The UPDATE takes the row lock first (held until the transaction ends, like SELECT ... FOR
    # UPDATE, and on SQLite the write lock), so the read after it sees this transaction's number.
    sequence = NumberSequence.objects.filter(agency=agency, series=series, year=year)
    if not sequence.update(last=F("last") + 1):
        return None
    return sequence.values_list("last", flat=True).get()


@dataclass(frozen=True)
class NumberKind:
    """A kind of document number: its series, the Agency field holding its format (editable in
    the admin) and the number used while an agency has set no format."""

    series: str
    format_field: str
    fallback: str  # with {code}, {year} and {seq}


NUMBER_KINDS = {
    kind.series: kind
    for kind in (
        NumberKind("case", "case_number_format", "{code}{year}-{seq:05d}"),
        NumberKind("referral", "referral_number_format", "{code}-R-{year}-{seq:05d}"),
        NumberKind(
            "mediation_statement",
            "mediation_statement_number_format",
            "{code}-MS-{year}-{seq:05d}",
        ),
        NumberKind("award", "award_number_format", "{code}-AW-{year}-{seq:05d}"),
    )
}


def number_take(*, agency: Agency, series: str, now: datetime.datetime | None = None) -> str:
    """The agency's next number of a document kind, formatted as the agency set it. Inside the
    transaction that uses it (gap-free, see number_next)."""
    kind = NUMBER_KINDS[series]
    year = timezone.localtime(now or timezone.now()).year
    seq = number_next(agency=agency, series=series, year=year)
    template = getattr(agency, kind.format_field)
    if not template:
        return kind.fallback.format(code=agency.code, year=year, seq=seq)
    return template.format(year=year, seq=seq)
