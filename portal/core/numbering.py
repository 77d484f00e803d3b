"""Gap-free document numbers per agency, series and year (case numbers, referral letters...)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
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


# One round trip: the UPDATE takes the row lock (held until the transaction ends, like
# SELECT ... FOR UPDATE) and hands back the new number. PostgreSQL and SQLite ≥ 3.35.
_INCREMENT = (
    f"UPDATE {NumberSequence._meta.db_table} SET last = last + 1 "  # noqa: S608 - no input
    "WHERE agency_id = %s AND series = %s AND year = %s RETURNING last"
)


def _increment(agency: Agency, series: str, year: int) -> int | None:
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_INCREMENT, [agency.pk, series, year])
        row = cursor.fetchone()
    return int(row[0]) if row is not None else None


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
