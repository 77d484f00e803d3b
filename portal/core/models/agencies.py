from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .seeded import SeededNames, seeded_label


class AgencyKind(models.TextChoices):
    MEMBER = "member", _("Portal member")
    EXTERNAL = "external", _("External (no logins)")


# The short names the agencies were seeded with, by code: shown in the reader's language while
# unchanged (a short name an admin changed is shown as written).
SEEDED_SHORT_NAMES: SeededNames = {
    "bureau": ("海珠区人社局", _("Haizhu Human Resources Bureau")),
    "arbitration": ("海珠区仲裁委", _("Haizhu Arbitration Committee")),
    "procuratorate": ("海珠区检察院", _("Haizhu Procuratorate")),
    "court": ("海珠区法院", _("Haizhu Court")),
    "police": ("海珠公安分局", _("Haizhu Police")),
}


class Agency(models.Model):
    """One of the cooperating bodies. Seeded by a data migration; codes are stable."""

    BUREAU = "bureau"
    ARBITRATION = "arbitration"
    PROCURATORATE = "procuratorate"
    COURT = "court"
    POLICE = "police"

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=20)
    kind = models.CharField(_("kind"), max_length=16, choices=AgencyKind.choices)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="agency"
    )
    case_number_format = models.CharField(
        _("case number format"),
        max_length=100,
        blank=True,
        help_text=_("Placeholders: {year} and {seq}, e.g. 海劳人仲案字〔{year}〕第{seq}号"),
    )
    referral_number_format = models.CharField(
        _("referral number format"),
        max_length=100,
        blank=True,
        help_text=_("Placeholders: {year} and {seq}, e.g. 海人社移〔{year}〕{seq}号"),
    )
    mediation_statement_number_format = models.CharField(
        _("mediation statement number format"),
        max_length=100,
        blank=True,
        help_text=_("Placeholders: {year} and {seq}, e.g. 穗海劳人仲调字〔{year}〕第{seq}号"),
    )
    award_number_format = models.CharField(
        _("award number format"),
        max_length=100,
        blank=True,
        help_text=_("Placeholders: {year} and {seq}, e.g. 穗海劳人仲裁字〔{year}〕第{seq}号"),
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str | Promise:
        """The short name in the reader's language while it is the seeded one."""
        return seeded_label(SEEDED_SHORT_NAMES, self.code, self.short_name)

    @property
    def is_member(self) -> bool:
        return self.kind == AgencyKind.MEMBER


class User(AbstractUser):
    """A portal account. Staff belong to exactly one agency through their Membership."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def agency(self) -> Agency | None:
        membership = getattr(self, "membership", None)
        return membership.agency if membership and membership.active else None


class Role(models.TextChoices):
    MEDIATOR = "mediator", _("Mediator")
    ARBITRATOR = "arbitrator", _("Arbitrator")
    INSPECTOR = "inspector", _("Labour inspector")
    LIAISON = "liaison", _("Procuratorial liaison")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    LEADER = "leader", _("Leader")


class Membership(models.Model):
    """A person's place in one agency, with the roles they hold there."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    roles = models.JSONField(_("roles"), default=list)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), default=datetime.date.today)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.agency.short_name}"

    def has_role(self, *roles: str) -> bool:
        return self.active and any(role in self.roles for role in roles)


class AppointmentKind(models.TextChoices):
    SPECIAL_MEDIATOR = "special_mediator", _("Special mediator (特约调解员)")
    LIAISON = "liaison", _("Procuratorial liaison (检察联络员)")


class Appointment(models.Model):
    """A person of one agency appointed by another; lets them work the cases assigned to them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="appointments")
    appointing_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="appointments_made"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AppointmentKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="appointment_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.appointing_agency.short_name}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.ended_at is None and self.valid_from <= day <= self.valid_until
