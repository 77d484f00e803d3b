from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar", _("calendar days")
    WORKING_DAYS = "working", _("working days")


class DeadlinePolicy(models.Model):
    """A statutory or agreed time limit, editable by admins, with its legal basis beside it."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    days = models.PositiveSmallIntegerField(_("number of days"))
    unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate after (days overdue)"), default=3
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return f"{self.name} ({self.days} {self.get_unit_display()})"


class HolidayYear(models.Model):
    """A year whose holidays and make-up working days an admin entered from the State Council's
    notice. Once entered, its CalendarDay rows override the library for that year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(_("State Council notice"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One day of an entered year that differs from the weekend rule: a holiday on a weekday,
    or a make-up working day (调休) on a weekend."""

    holiday_year = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
