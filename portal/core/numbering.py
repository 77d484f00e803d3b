"""Gap-free document numbers per agency, series and year (case numbers, referral letters...)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import Agency, NumberSequence


def number_next(*, agency: Agency, series: str, year: int) -> int:
    """The next number of the series. Must run inside the transaction that uses the number:
    the row lock serialises concurrent creators, and a rollback returns the number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the creating transaction")
    sequence = _locked_sequence(agency, series, year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def _locked_sequence(agency: Agency, series: str, year: int) -> NumberSequence:
    lookup = {"agency": agency, "series": series, "year": year}
    sequence = NumberSequence.objects.select_for_update().filter(**lookup).first()
    if sequence is not None:
        return sequence
    try:
        # Two first creators of a year race here; the loser's insert fails on the unique
        # constraint and it then waits on the winner's row lock like everyone else.
        with transaction.atomic():
            NumberSequence.objects.create(**lookup)
    except IntegrityError:
        pass
    return NumberSequence.objects.select_for_update().get(**lookup)


def format_number(template: str, *, year: int, seq: int, default_prefix: str = "") -> str:
    if not template:
        return f"{default_prefix}{year}-{seq:05d}"
    return template.format(year=year, seq=seq)
