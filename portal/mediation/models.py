"""Quick mediation (快调): a mediation case, its mediator, its sessions and its 15-day term.

A mediation always concerns a case (a filing routed to mediation, a case referred as a
dispute, or one staff send to mediation directly) and is run by the arbitration committee.
Who sees a mediation is who sees its case (portal.cases.permissions): the committee's group,
a co-handling agency, and a special mediator through the case assignment.
Status changes only through portal.mediation.permissions.MOVES, in its services.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.models import Agency, Appointment


class MediationStatus(models.TextChoices):
    UNASSIGNED = "unassigned", _("Awaiting a mediator")
    MEDIATING = "mediating", _("Being mediated")
    AGREED = "agreed", _("Agreement reached")
    COURT_APPLIED = "court_applied", _("Judicial confirmation applied for")
    CONFIRMED = "confirmed", _("Confirmed: enforceable")
    COURT_REJECTED = "court_rejected", _("Judicial confirmation refused")
    FAILED = "failed", _("Mediation failed")


S = MediationStatus

# The legal moves; each is a rule of permissions.MOVES, made by one service in services/.
TRANSITIONS: dict[str, set[str]] = {
    # assigning a mediator starts the work; a mediator who declares a conflict is taken off
    S.UNASSIGNED: {S.MEDIATING, S.FAILED},
    S.MEDIATING: {S.UNASSIGNED, S.AGREED, S.FAILED},
    # 快认: confirmed by the committee (调解书), or applied to the court (司法确认)
    S.AGREED: {S.CONFIRMED, S.COURT_APPLIED},
    S.COURT_APPLIED: {S.CONFIRMED, S.COURT_REJECTED},
    S.CONFIRMED: set(),
    S.COURT_REJECTED: set(),
    S.FAILED: set(),
}
OPEN_STATES = frozenset({S.UNASSIGNED, S.MEDIATING})


class MediationSource(models.TextChoices):
    FILING = "filing", _("Filing routed to mediation")
    REFERRAL = "referral", _("Referral of a dispute")
    STAFF = "staff", _("Opened by staff")


class Mediation(models.Model):
    """One mediation of one case, run by the arbitration committee."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="mediation", verbose_name=_("case")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    source = models.CharField(_("opened from"), max_length=16, choices=MediationSource.choices)
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referral"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MediationStatus.choices, default=S.UNASSIGNED
    )
    # The day the mediation was requested: the 15 days of art. 14 run from it.
    requested_on = models.DateField(_("mediation requested on"))
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediations",
        verbose_name=_("mediator"),
    )
    # Set when the mediator is a special mediator of another agency: the appointment that
    # allowed the assignment, and the case assignment that gave them the case.
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case_assignment = models.ForeignKey(
        "cases.CaseAssignment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    term_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    failure_reason = models.TextField(_("why mediation failed"), blank=True)
    # Raised by every move: a page showing an older version may not make one.
    version = models.PositiveIntegerField(default=1, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "-created_at"])]
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")

    def __str__(self) -> str:
        return str(_("Mediation of %(case)s") % {"case": self.case})


class MediatorConflict(models.Model):
    """A declared conflict of interest: the person is linked to a party of this mediation and
    may not mediate it."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="conflicts")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mediator"),
    )
    reason = models.TextField(_("link to a party"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["declared_at", "id"]
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")

    def __str__(self) -> str:
        return f"{self.mediation} · {self.mediator}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held and recorded")


class MediationSession(models.Model):
    """A meeting of the mediator with the parties: scheduled, then held and recorded."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    scheduled_for = models.DateTimeField(_("scheduled for"))
    place = models.CharField(_("place"), max_length=200)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    attendees = models.TextField(_("who attended"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    proposals = models.TextField(_("proposals on the table"), blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["scheduled_for", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.mediation} · {self.scheduled_for:%Y-%m-%d %H:%M}"


class TermExtension(models.Model):
    """The parties agreed to give the mediation more time than the 15 days of art. 14."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(
        _("extra days"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    agreement = models.TextField(_("how the parties agreed"))
    due_before = models.DateField()
    due_after = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("extension of the mediation term")
        verbose_name_plural = _("extensions of the mediation term")

    def __str__(self) -> str:
        return f"{self.mediation} +{self.days}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer to the worker's account")
    CASH = "cash", _("Cash against a receipt")
    OTHER = "other", _("Other")


class InstalmentStatus(models.TextChoices):
    DUE = "due", pgettext_lazy("instalment status", "Due")
    PAID = "paid", _("Paid")
    MISSED = "missed", _("Missed")


class EnforcementKind(models.TextChoices):
    # 《劳动争议调解仲裁法》 art. 16: for unpaid wages under an agreement, a payment order.
    PAYMENT_ORDER = "payment_order", _("Payment order (art. 16)")
    ENFORCEMENT = "enforcement", _("Compulsory enforcement")


class Agreement(models.Model):
    """The mediation agreement (调解协议) drafted from the portal's template: the parties come
    from the case, the rest is entered here."""

    mediation = models.OneToOneField(Mediation, on_delete=models.CASCADE, related_name="agreement")
    total_amount = models.DecimalField(
        _("total amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices
    )
    payment_details = models.CharField(_("payment details"), max_length=200, blank=True)
    clauses = models.TextField(_("other clauses"), blank=True)
    document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every redraft: a confirmation is of one version's PDF, by its SHA-256.
    version = models.PositiveIntegerField(default=1, editable=False)
    claimant_confirmed_at = models.DateTimeField(_("claimant confirmed at"), null=True, blank=True)
    claimant_confirmed_sha256 = models.CharField(max_length=64, blank=True)
    employer_confirmed_at = models.DateTimeField(_("employer confirmed at"), null=True, blank=True)
    employer_confirmed_sha256 = models.CharField(max_length=64, blank=True)
    employer_representative = models.CharField(
        _("employer's representative"), max_length=100, blank=True
    )
    # The agreement takes effect when the second party confirms it.
    effective_at = models.DateTimeField(_("took effect at"), null=True, blank=True)
    # Confirmation by the committee: the 调解书 with its number.
    statement_number = models.CharField(_("mediation statement number"), max_length=64, blank=True)
    statement_document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Or by the court: the joint application, then the court's decision as staff record it.
    court_application_document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    court_name = models.CharField(_("court"), max_length=100, blank=True)
    court_applied_on = models.DateField(_("applied to the court on"), null=True, blank=True)
    court_decided_on = models.DateField(_("court decided on"), null=True, blank=True)
    enforceable_number = models.CharField(
        _("number of the enforceable document"), max_length=64, blank=True
    )
    # What staff recorded when the employer did not pay.
    enforcement_kind = models.CharField(
        _("application"), max_length=16, choices=EnforcementKind.choices, blank=True
    )
    enforcement_applied_on = models.DateField(_("applied on"), null=True, blank=True)
    enforcement_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self) -> str:
        return str(_("Agreement of %(case)s") % {"case": self.mediation.case})


class Instalment(models.Model):
    """One payment the agreement promises: how much, by which day; then paid or missed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    status = models.CharField(
        _("status"), max_length=8, choices=InstalmentStatus.choices, default=InstalmentStatus.DUE
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("amount paid (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    evidence = models.FileField(upload_to="mediation/%Y/%m/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    missed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="instalment_sequence_unique"
            )
        ]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")

    def __str__(self) -> str:
        return f"{self.agreement} · {self.sequence}"


class EmployerLink(models.Model):
    """A one-time link for the employer to confirm the agreement. Only the SHA-256 of its
    token is stored: the token itself is shown to staff once, to pass on."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="links")
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # A redraft or a newer link voids the older ones.
    voided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("employer confirmation link")
        verbose_name_plural = _("employer confirmation links")

    def __str__(self) -> str:
        return f"{self.agreement} · {self.created_at:%Y-%m-%d}"


class AgreementShare(models.Model):
    """One worker's share of a collective agreement's total: how much of it is theirs. The
    instalments are paid in the same proportions (selectors.share_of_instalments)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="shares")
    claimant = models.ForeignKey(
        "cases.Claimant", on_delete=models.PROTECT, related_name="+", verbose_name=_("claimant")
    )
    amount = models.DecimalField(
        _("share (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        ordering = ["claimant_id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "claimant"], name="one_share_per_worker")
        ]
        verbose_name = _("worker's share")
        verbose_name_plural = _("workers' shares")

    def __str__(self) -> str:
        return f"{self.claimant} ¥{self.amount}"
