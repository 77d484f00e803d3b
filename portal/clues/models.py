"""The bureau's own intake (线索 / 投诉举报 / 工单): wage-arrears clues from the national clue
platform, orders from the 12345 hotline, letters, calls, visits and patrols, each handled by a
street's inspection squad (劳监中队) within its source's time limit and closed with a
conclusion (核处结论). Status changes only in portal.clues.services, through MOVES."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.pii import mask_id_number, mask_name, mask_phone
from portal.core.validators import validate_credit_code, validate_phone, validate_resident_id


class ClueStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned to a squad")
    CONTACTED = "contacted", _("First contact made")
    CHECKED = "checked", _("Checked on site")
    CLOSED = "closed", _("Closed with a conclusion")


OPEN_STATES = frozenset(
    {ClueStatus.REGISTERED, ClueStatus.ASSIGNED, ClueStatus.CONTACTED, ClueStatus.CHECKED}
)


class ClueSource(models.TextChoices):
    PLATFORM = "platform", _("National wage-arrears clue platform")
    HOTLINE = "hotline", _("12345 government hotline")
    PETITION = "petition", _("Provincial petition system")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit at the window")
    PATROL = "patrol", _("Inspection patrol")
    REFERRAL = "referral", _("Referral")


class Industry(models.TextChoices):
    CONSTRUCTION = "construction", _("Construction")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    GARMENTS = "garments", _("Garments")
    CATERING = "catering", _("Catering")
    RETAIL = "retail", _("Wholesale and retail")
    LOGISTICS = "logistics", _("Transport and logistics")
    SERVICES = "services", _("Residential and other services")
    OTHER = "other", _("Other")


class Squad(models.Model):
    """A street's labour inspection squad (街道劳监中队): the clues of its streets go to it, and
    its inspectors work them. Edited in the admin."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    streets = models.CharField(
        _("streets"),
        max_length=400,
        help_text=_("The streets (街道) whose clues go to this squad, separated by commas."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="squads", verbose_name=_("inspectors")
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("inspection squad")
        verbose_name_plural = _("inspection squads")

    def __str__(self) -> str:
        return self.name

    @property
    def street_list(self) -> list[str]:
        return [s.strip() for s in self.streets.replace("，", ",").split(",") if s.strip()]


class Conclusion(models.Model):
    """A standard conclusion (核处结论) a clue is closed with: reference data, seeded by a data
    migration and edited in the admin."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    # Whether closing with it asks for the amount recovered and the workers paid.
    records_payment = models.BooleanField(_("records a payment"), default=False)
    active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")

    def __str__(self) -> str:
        return self.name


def _money(label: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )


class Clue(models.Model):
    """One clue, order or complaint, from its registration to its conclusion."""

    source = models.CharField(_("source"), max_length=16, choices=ClueSource.choices)
    source_reference = models.CharField(_("source reference"), max_length=64, blank=True)
    source_deadline = models.DateField(_("deadline set by the source"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    # The complainant: optional, and anonymous when they ask (PII rules as for claimants).
    anonymous = models.BooleanField(_("anonymous"), default=False)
    complainant_name = models.CharField(_("complainant"), max_length=60, blank=True)
    complainant_id_number = models.CharField(
        _("resident ID number"), max_length=18, blank=True, validators=[validate_resident_id]
    )
    complainant_phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    employer_name = models.CharField(_("employer name"), max_length=200)
    employer_credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        db_index=True,
    )
    project_name = models.CharField(_("construction project"), max_length=200, blank=True)
    main_contractor = models.CharField(_("main contractor"), max_length=200, blank=True)
    crew_leader = models.CharField(_("crew leader"), max_length=60, blank=True)
    workers = models.PositiveIntegerField(_("number of workers"), default=1)
    amount_owed = _money(_("amount owed (yuan)"))
    industry = models.CharField(_("industry"), max_length=16, choices=Industry.choices)
    street = models.CharField(_("street"), max_length=40)
    squad = models.ForeignKey(
        Squad,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clues",
        verbose_name=_("inspection squad"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspector"),
    )
    text = models.TextField(_("what the complainant says"))
    status = models.CharField(
        _("status"), max_length=16, choices=ClueStatus.choices, default=ClueStatus.REGISTERED
    )
    # When the source's clock for closing ends: the queue sorts by it.
    due_on = models.DateField(_("due on"), null=True, blank=True)
    conclusion = models.ForeignKey(
        Conclusion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conclusion"),
    )
    conclusion_text = models.TextField(_("conclusion in words"), blank=True)
    amount_recovered = _money(_("amount recovered (yuan)"))
    workers_paid = models.PositiveIntegerField(_("workers paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("supervised at"), null=True, blank=True)
    # Referrals opened from the clue (to arbitration, to the procuratorate), drafted by the
    # referrals' own services with the clue's text and files.
    referrals = models.ManyToManyField(
        "referrals.Referral", blank=True, related_name="+", verbose_name=_("referrals")
    )
    # A clue an inspector linked as the same matter: flagged by the duplicate check, linked by
    # a person, never merged.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("same matter as"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every move (permissions.MOVES): a page showing an older version may not act.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["squad", "status", "due_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_reference"],
                condition=~models.Q(source_reference=""),
                name="clue_source_reference_unique",
            ),
        ]
        verbose_name = _("clue")
        verbose_name_plural = _("clues")

    def __str__(self) -> str:
        return self.source_reference or f"#{self.pk}"

    @property
    def complainant_masked(self) -> str:
        """The complainant as lists show them: masked, or 'anonymous'."""
        if self.anonymous or not self.complainant_name:
            return str(_("anonymous"))
        return mask_name(self.complainant_name)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.complainant_id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.complainant_phone)


class ClueAttachment(models.Model):
    """A file of the clue: the platform's screenshot, a pay sheet, a photo from the site."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="clues/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # None: the file came with an import.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("clue attachment")
        verbose_name_plural = _("clue attachments")

    def __str__(self) -> str:
        return self.original_name
