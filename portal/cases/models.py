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
    MATERIAL_REQUESTED = "material_requested", _("Awaiting material from the claimant")
    ACCEPTED = "accepted", _("Accepted")
    # Routed to mediation before arbitration with the claimant's consent; the mediation app
    # picks cases up from here (-> MEDIATING), or hands them back to intake (-> FILED).
    MEDIATION_PENDING = "mediation_pending", _("Routed to mediation")
    MEDIATING = "mediating", _("In mediation")
    ARBITRATING = "arbitrating", _("In arbitration")
    # 仲裁中止: the award period's clock stands still until the case resumes.
    SUSPENDED = "arbitration_suspended", _("Arbitration suspended")
    REFUSED = "refused", _("Not accepted")
    CLOSED = "closed", _("Closed")


# The legal moves. Who makes each, and by which service, is the move table
# (portal.cases.permissions.MOVES), which has one rule for every edge here.
INTAKE_OPEN = (CaseStatus.FILED, CaseStatus.MATERIAL_REQUESTED)
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.FILED: {
        CaseStatus.ACCEPTED,
        CaseStatus.MEDIATION_PENDING,
        CaseStatus.REFUSED,
        CaseStatus.MATERIAL_REQUESTED,
    },
    # Material supplied sends the case back to the queue; staff may also decide at once
    # (the claimant brought the papers to the counter).
    CaseStatus.MATERIAL_REQUESTED: {
        CaseStatus.FILED,
        CaseStatus.ACCEPTED,
        CaseStatus.MEDIATION_PENDING,
        CaseStatus.REFUSED,
    },
    CaseStatus.MEDIATION_PENDING: {CaseStatus.MEDIATING, CaseStatus.FILED, CaseStatus.CLOSED},
    CaseStatus.ACCEPTED: {CaseStatus.MEDIATING, CaseStatus.ARBITRATING, CaseStatus.CLOSED},
    # A failed mediation sends the case back to the intake queue (portal.mediation).
    CaseStatus.MEDIATING: {CaseStatus.FILED, CaseStatus.ARBITRATING, CaseStatus.CLOSED},
    # After acceptance (art. 43): suspended and resumed, closed by an award, a withdrawal or
    # a settlement (portal.cases.services.arbitration).
    CaseStatus.ARBITRATING: {CaseStatus.SUSPENDED, CaseStatus.CLOSED},
    CaseStatus.SUSPENDED: {CaseStatus.ARBITRATING, CaseStatus.CLOSED},
    CaseStatus.REFUSED: set(),
    CaseStatus.CLOSED: set(),
}


class CaseChannel(models.TextChoices):
    KIOSK = "kiosk", _("E-law kiosk")
    ONLINE = "online", _("Online")
    STAFF = "staff", _("Entered by staff")
    REFERRAL = "referral", _("Referral")


# 《劳动争议调解仲裁法》 art. 7: ten workers or more with a common claim make a collective
# dispute, which chooses representatives and is handled with priority.
COLLECTIVE_DISPUTE_WORKERS = 10

# A claimant's own filing: it gets a tracking number and a secret, and its arbitration number
# only when it is accepted (立案).
PUBLIC_CHANNELS = (CaseChannel.KIOSK, CaseChannel.ONLINE)


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
    """A labour dispute, owned by one agency and possibly co-handled by others.

    `number` is the case's reference: the agency's number (穗海劳人仲案字〔2026〕第N号), drawn
    at registration for cases staff enter and at acceptance (立案) for a claimant's own
    filing, which until then goes by its tracking number."""

    number = models.CharField(_("case number"), max_length=64, unique=True)
    tracking_number = models.CharField(
        _("tracking number"), max_length=20, unique=True, null=True, blank=True
    )
    # Only a hash: the claimant's secret is shown once, on the receipt.
    claimant_secret_hash = models.CharField(max_length=128, blank=True)
    agency = models.ForeignKey(
        "core.Agency",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("owning agency"),
    )
    co_handling_agencies = models.ManyToManyField(
        "core.Agency",
        blank=True,
        related_name="co_handled_cases",
        verbose_name=_("co-handling agencies"),
    )
    status = models.CharField(
        _("status"), max_length=32, choices=CaseStatus.choices, default=CaseStatus.FILED
    )
    channel = models.CharField(_("channel"), max_length=16, choices=CaseChannel.choices)
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="cases", verbose_name=_("respondent")
    )
    facts = models.TextField(_("facts"), blank=True)
    is_collective = models.BooleanField(_("collective claim"), default=False)
    mediation_consent = models.BooleanField(_("claimant agrees to mediation first"), default=False)
    # A probable duplicate (same ID number and employer within 30 days) is shown to intake
    # staff, never merged: two workers' filings may look alike and both be real.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("probable duplicate of"),
    )
    material_requested = models.TextField(_("material requested from the claimant"), blank=True)
    decided_at = models.DateTimeField(_("intake decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for not accepting"), blank=True)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Raised by every move (portal.cases.permissions.MOVES): a page showing an older version
    # may not act on it.
    version = models.PositiveIntegerField(default=1, editable=False)
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
    def has_agency_number(self) -> bool:
        """False while a claimant's filing still goes by its tracking number."""
        return not self.tracking_number or self.number != self.tracking_number

    @property
    def is_collective_dispute(self) -> bool:
        """Ten workers or more (art. 7): a priority in the intake queue."""
        return self.claimants.count() >= COLLECTIVE_DISPUTE_WORKERS

    @property
    def total_claimed(self) -> Decimal:
        return sum((claim.amount for claim in self.claims.all()), Decimal("0"))


class Claimant(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="claimants")
    name = models.CharField(_("name"), max_length=60)
    # Indexed: the duplicate check looks filings up by ID number.
    id_number = models.CharField(
        _("resident ID number"), max_length=18, validators=[validate_resident_id], db_index=True
    )
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_representative = models.BooleanField(_("representative"), default=False)
    # A worker of a collective filing other than the one who filed gets a secret of their own
    # on the receipt: with it the status page shows only their own share (only a hash here).
    status_secret_hash = models.CharField(max_length=128, blank=True)

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
    # The worker the claim is theirs; none: the whole filing's.
    claimant = models.ForeignKey(
        Claimant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("worker"),
    )
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments"
    )
    appointment = models.ForeignKey(
        "core.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
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


class ArbitrationOutcome(models.TextChoices):
    AWARD = "award", _("Award")
    WITHDRAWN = "withdrawn", _("Withdrawn by the claimant")
    SETTLED = "settled", _("Settled by the parties")


class Arbitration(models.Model):
    """The arbitration of an accepted case (art. 43): who arbitrates, when the hearing is, how
    the award period runs (extended once by 15 days, suspended and resumed), how it ended.

    The award period itself is the case's `arbitration.award` Deadline, counted from
    acceptance over `period_days` plus the days spent suspended."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="arbitration")
    arbitrator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("arbitrator"),
    )
    hearing_on = models.DateField(_("hearing date"), null=True, blank=True)
    extended_at = models.DateTimeField(_("award period extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    suspended_on = models.DateField(_("suspended since"), null=True, blank=True)
    suspension_reason = models.TextField(_("reason for the suspension"), blank=True)
    suspended_days = models.PositiveIntegerField(_("days suspended"), default=0)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ArbitrationOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)
    award_number = models.CharField(_("award number"), max_length=64, blank=True)
    award_document = models.ForeignKey(
        "core.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("arbitration")
        verbose_name_plural = _("arbitrations")

    def __str__(self) -> str:
        return f"{self.case} · {self.get_outcome_display() or '—'}"


class TrackingTicket(models.Model):
    """One drawn tracking number (KL-2026-000123): its id is the number's serial part.

    Portal-wide, so two intake agencies never hand out the same number, and drawn from the
    table's sequence, which holds no lock until the filing commits (a counter row would make
    concurrent filings wait for each other). A filing rolled back leaves a gap: a tracking
    number is a reference, not a register number (the case number, drawn on acceptance, is
    gap-free)."""

    id = models.BigAutoField(primary_key=True)
    drawn_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.pk:06d}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass
