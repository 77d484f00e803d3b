from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .seeded import SeededNames, seeded_label


class DeadlineUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar", _("calendar days")
    WORKING_DAYS = "working", _("working days")


# The names the policies were seeded with (their Chinese msgstr), by key: a policy whose name
# is still the seeded one is shown in the reader's language; a name an admin changed is shown
# as written.
SEEDED_POLICY_NAMES: SeededNames = {
    "case.acceptance": ("仲裁申请受理审查", _("Review of the application for acceptance")),
    "mediation.term": ("调解期限", _("Mediation term")),
    "court_confirmation.window": ("申请司法确认", _("Applying for judicial confirmation")),
    "arbitration.award": ("仲裁裁决期限", _("Period for the arbitral award")),
    "referral.acknowledge": ("移送签收", _("Acknowledging the referral")),
    "referral.feedback": ("移送办理反馈", _("Feedback on the referral")),
    "referral.supplement": ("补充材料", _("Supplementary material")),
    "meeting.action_item": ("会议纪要事项办理", _("Action item of meeting minutes")),
}


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

    @property
    def label(self) -> str | Promise:
        """The name in the reader's language while it is the seeded one."""
        return seeded_label(SEEDED_POLICY_NAMES, self.key, self.name)


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
