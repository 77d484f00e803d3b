"""Two-way referrals with feedback (双向移送反馈) between the agencies of the tri-party mechanism.

A referral hands a matter from one agency to another. Between portal agencies it runs the
lifecycle in TRANSITIONS; to the police or the court (no logins) staff record it and, later,
its outcome (EXTERNAL_TRANSITIONS). Status changes only in portal.referrals.services.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.core.models import Agency


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent, awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted, being handled")
    RETURNED = "returned", _("Returned")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    FEEDBACK_GIVEN = "feedback_given", _("Feedback given")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # to an external body (police, court)
    RECORDED = "recorded", _("Recorded as sent")
    OUTCOME_RECORDED = "outcome_recorded", _("Outcome recorded")


S = ReferralStatus

# The legal moves between portal agencies; each is made by one service in services.py.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SENT},
    S.SENT: {S.ACKNOWLEDGED, S.WITHDRAWN},
    # the receiver asks the sender for more material before deciding
    S.ACKNOWLEDGED: {S.ACCEPTED, S.RETURNED, S.SUPPLEMENT_REQUESTED},
    S.SUPPLEMENT_REQUESTED: {S.SENT},
    S.ACCEPTED: {S.FEEDBACK_GIVEN},
    # the sender closes, or asks for more: the receiver handles it further (accepted again)
    S.FEEDBACK_GIVEN: {S.CLOSED, S.ACCEPTED},
    S.CLOSED: {S.ACCEPTED},  # reopened by an admin of the sender
    S.RETURNED: set(),
    S.WITHDRAWN: set(),
}

# To the police or the court: staff record the referral, then what came of it.
EXTERNAL_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.RECORDED},
    S.RECORDED: {S.OUTCOME_RECORDED},
    S.OUTCOME_RECORDED: set(),
}

# A referral in these states keeps the linked case shared with the receiver.
CO_HANDLING_STATES = frozenset(
    {
        S.SENT,
        S.ACKNOWLEDGED,
        S.SUPPLEMENT_REQUESTED,
        S.ACCEPTED,
        S.FEEDBACK_GIVEN,
        S.CLOSED,
    }
)
# Where nothing more happens (a closed referral may still be reopened by an admin).
FINAL_STATES = frozenset({S.RETURNED, S.WITHDRAWN, S.CLOSED, S.OUTCOME_RECORDED})


class ReferralKind(models.TextChoices):
    FALSE_ARBITRATION_CLUE = "false_arbitration_clue", _("False-arbitration clue")
    WAGE_REFUSAL_CRIME = "wage_refusal_crime", _("Suspected crime of refusing to pay wages")
    WAGE_ARREARS_CLUE = "wage_arrears_clue", _("Wage-arrears clue for inspection")
    DISPUTE = "dispute", _("Dispute for arbitration or mediation")
    PROSECUTION_SUPPORT = "prosecution_support", _("Request for support of prosecution")
    PROCURATORIAL_SUGGESTION = "procuratorial_suggestion", _("Procuratorial suggestion")
    OTHER = "other", _("Other")


# Who may receive each kind (agency codes); None: any agency but the sender.
KIND_RECEIVERS: dict[str, frozenset[str] | None] = {
    ReferralKind.FALSE_ARBITRATION_CLUE: frozenset({Agency.PROCURATORATE}),
    # for supervision by the procuratorate, and the criminal case itself to the police
    ReferralKind.WAGE_REFUSAL_CRIME: frozenset({Agency.PROCURATORATE, Agency.POLICE}),
    ReferralKind.WAGE_ARREARS_CLUE: frozenset({Agency.BUREAU}),
    ReferralKind.DISPUTE: frozenset({Agency.ARBITRATION}),
    ReferralKind.PROSECUTION_SUPPORT: frozenset({Agency.PROCURATORATE}),
    ReferralKind.PROCURATORIAL_SUGGESTION: frozenset({Agency.BUREAU, Agency.ARBITRATION}),
    ReferralKind.OTHER: None,
}


def kind_allows_receiver(kind: str, receiver_code: str) -> bool:
    allowed = KIND_RECEIVERS.get(kind, frozenset())
    return allowed is None or receiver_code in allowed


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class FeedbackOutcome(models.TextChoices):
    CASE_OPENED = "case_opened", _("Case opened")
    PENALTY_IMPOSED = "penalty_imposed", _("Penalty imposed")
    TRANSFERRED_TO_POLICE = "transferred_to_police", _("Transferred to the police")
    NO_VIOLATION_FOUND = "no_violation_found", _("No violation found")
    MEDIATED = "mediated", _("Settled by mediation")
    OTHER = "other", _("Other")


_O = FeedbackOutcome
# What each receiving agency can report: an administrative penalty is the bureau's
# (《劳动保障监察条例》 art. 26-33), a settlement by mediation the committee's or the bureau's;
# the procuratorate opens a case, hands one to the police or finds nothing.
FEEDBACK_OUTCOMES: dict[str, tuple[FeedbackOutcome, ...]] = {
    Agency.BUREAU: tuple(FeedbackOutcome),
    Agency.ARBITRATION: (_O.CASE_OPENED, _O.MEDIATED, _O.NO_VIOLATION_FOUND, _O.OTHER),
    Agency.PROCURATORATE: (
        _O.CASE_OPENED,
        _O.TRANSFERRED_TO_POLICE,
        _O.NO_VIOLATION_FOUND,
        _O.OTHER,
    ),
}
_OTHER_AGENCIES = (_O.CASE_OPENED, _O.TRANSFERRED_TO_POLICE, _O.NO_VIOLATION_FOUND, _O.OTHER)


def feedback_outcomes(agency_code: str) -> tuple[FeedbackOutcome, ...]:
    """The outcomes an agency receiving a referral may report."""
    return FEEDBACK_OUTCOMES.get(agency_code, _OTHER_AGENCIES)


class Referral(models.Model):
    """A matter one agency hands to another, with its letter number and its lifecycle."""

    number = models.CharField(
        _("referral number"), max_length=64, blank=True, help_text=_("Given when first sent.")
    )
    sender_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        verbose_name=_("sending agency"),
    )
    receiver_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("receiving agency"),
    )
    # The receiver is the police or the court: no logins there, staff record what happened.
    is_external = models.BooleanField(_("external"), default=False)
    kind = models.CharField(_("type"), max_length=32, choices=ReferralKind.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("linked case"),
    )
    # The subject: copied from the linked case, or entered for a standalone employer.
    employer_name = models.CharField(_("employer name"), max_length=200)
    employer_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True
    )
    workers = models.PositiveIntegerField(_("number of workers"), null=True, blank=True)
    amount_owed = models.DecimalField(
        _("amount owed (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    summary = models.TextField(_("summary"))
    legal_basis = models.TextField(_("legal basis"), blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_authored",
        verbose_name=_("author"),
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    supplement_request = models.TextField(_("supplement requested"), blank=True)
    # Whether sending this referral shared the linked case with the receiver: only then does
    # returning or withdrawing it stop the sharing (an admin may have shared it before).
    started_co_handling = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every change: a page showing an older version may not act on it.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["receiver_agency", "status", "-created_at"]),
            models.Index(fields=["sender_agency", "status", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="referral_number_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(sender_agency=models.F("receiver_agency")),
                name="referral_not_to_own_agency",
            ),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_collective(self) -> bool:
        """More than one worker, as for cases."""
        return (self.workers or 0) > 1

    @property
    def transitions(self) -> dict[str, set[str]]:
        return EXTERNAL_TRANSITIONS if self.is_external else TRANSITIONS


class ReferralFeedback(models.Model):
    """What the receiver did with a referral (or, for the police or the court, what staff of
    the sender recorded of it): a structured outcome and text."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="feedback")
    outcome = models.CharField(_("outcome"), max_length=32, choices=FeedbackOutcome.choices)
    text = models.TextField(_("feedback"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_at", "id"]
        verbose_name = _("referral feedback")
        verbose_name_plural = _("referral feedback")

    def __str__(self) -> str:
        return f"{self.referral} · {self.get_outcome_display()}"


class ReferralAttachment(models.Model):
    """A file of the referral (from the sender) or of a feedback (from the receiver)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    feedback = models.ForeignKey(
        ReferralFeedback,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(upload_to="referrals/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("referral attachment")
        verbose_name_plural = _("referral attachments")

    def __str__(self) -> str:
        return self.original_name


class ReferralUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass
