from __future__ import annotations

from django.db import models


class NumberSequence(models.Model):
    """The last number handed out in a series (e.g. case numbers) of one agency in one year.

    Incremented under SELECT ... FOR UPDATE inside the creating transaction, so numbers are
    gap-free: a rolled-back creation rolls the increment back too.
    """

    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=32)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "series", "year"], name="one_sequence_per_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.series}/{self.year}: {self.last}"
