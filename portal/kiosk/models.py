from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.cases.models import CaseChannel


class FilingDraft(models.Model):
    """A claimant's filing saved before it was submitted, to be resumed with its tracking
    number and secret (only a hash is kept). It holds personal information: it is purged
    after KIOSK_DRAFT_RETENTION_DAYS, and on submit its tracking number passes to the case."""

    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    secret_hash = models.CharField(max_length=128)
    channel = models.CharField(_("channel"), max_length=16, choices=CaseChannel.choices)
    # The answers as typed, step by step, and the checked files in private storage.
    answers = models.JSONField(default=dict)
    complete = models.JSONField(default=list)
    files = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("saved filing draft")
        verbose_name_plural = _("saved filing drafts")

    def __str__(self) -> str:
        return self.tracking_number


class Submission(models.Model):
    """Which case a filing in progress became, by its draft token: a submit sent again for the
    same draft (the answer to the first was lost, or two at once) shows the first receipt
    instead of filing twice. It holds no personal information; it goes with the purge once
    the visit's session has ended."""

    draft_token = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("kiosk submission")
        verbose_name_plural = _("kiosk submissions")

    def __str__(self) -> str:
        return self.draft_token
