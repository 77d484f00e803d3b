from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.core.validators import validate_credit_code, validate_phone, validate_resident_id


class CaseStatus(models.TextChoices):
    FILED = "filed", _("Filed, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    MEDIATING = "mediating", _("In mediation")
    ARBITRATING = "arbitrating", _("In arbitration")
    REFUSED = "refused", _("Not accepted")
    CLOSED = "closed", _("Closed")


# The legal moves; each is made by one service in portal.cases.services.
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.FILED: {CaseStatus.ACCEPTED, CaseStatus.MEDIATING, CaseStatus.REFUSED},
    CaseStatus.ACCEPTED: {CaseStatus.MEDIATING, CaseStatus.ARBITRATING, CaseStatus.CLOSED},
    CaseStatus.MEDIATING: {CaseStatus.ARBITRATING, CaseStatus.CLOSED},
    CaseStatus.ARBITRATING: {CaseStatus.CLOSED},
    CaseStatus.REFUSED: set(),
    CaseStatus.CLOSED: set(),
}


class CaseChannel(models.TextChoices):
    KIOSK = "kiosk", _("E-law kiosk")
    ONLINE = "online", _("Online")
    STAFF = "staff", _("Entered by staff")
    REFERRAL = "referral", _("Referral")


class Employer(models.Model):
    """A respondent employer, identified by its unified social credit code."""

    name = models.CharField(_("employer name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A labour dispute, owned by one agency and possibly co-handled by others."""

    number = models.CharField(_("case number"), max_length=64, unique=True)
    agency = models.ForeignKey(
        "core.Agency", on_delete=models.PROTECT, related_name="cases", verbose_name=_("owning agency")
    )
    co_handling_agencies = models.ManyToManyField(
        "core.Agency", blank=True, related_name="co_handled_cases", verbose_name=_("co-handling agencies")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.FILED
    )
    channel = models.CharField(_("channel"), max_length=16, choices=CaseChannel.choices)
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="cases", verbose_name=_("respondent")
    )
    facts = models.TextField(_("facts"), blank=True)
    is_collective = models.BooleanField(_("collective claim"), default=False)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "-filed_at"])]
        permissions = [("reveal_personal_info", "Can see whole ID and phone numbers")]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number

    @property
    def total_claimed(self) -> Decimal:
        return sum((claim.amount for claim in self.claims.all()), Decimal("0"))


class Claimant(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="claimants")
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(
        _("resident ID number"), max_length=18, validators=[validate_resident_id]
    )
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_representative = models.BooleanField(_("representative"), default=False)

    class Meta:
        ordering = ["-is_representative", "id"]
        verbose_name = _("claimant")
        verbose_name_plural = _("claimants")

    def __str__(self) -> str:
        return self.name


class ClaimKind(models.TextChoices):
    UNPAID_WAGES = "unpaid_wages", _("Unpaid wages")
    OVERTIME = "overtime", _("Overtime pay")
    COMPENSATION = "compensation", _("Economic compensation")
    DOUBLE_WAGES = "double_wages", _("Double wages for no written contract")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    WORK_INJURY = "work_injury", _("Work injury")
    OTHER = "other", _("Other")


class Claim(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(_("claim"), max_length=32, choices=ClaimKind.choices)
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="claim_period_ordered",
            )
        ]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount}"


class Evidence(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class CaseAssignment(models.Model):
    """A person assigned to work a case, possibly through an appointment by the owning agency."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    appointment = models.ForeignKey(
        "core.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_assignment_per_person",
            )
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.case} → {self.user}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass
