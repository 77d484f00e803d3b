from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import DeadlinePolicy


class Deadline(models.Model):
    """A running time limit on some object, computed from a DeadlinePolicy."""

    policy = models.ForeignKey(DeadlinePolicy, on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    started_on = models.DateField(_("started on"))
    due_on = models.DateField(_("due on"))
    # The days counted, where they are not the policy's: an award period extended or
    # suspended, a mediation term the parties extended. Recomputing counts these.
    days = models.PositiveSmallIntegerField(_("days counted"), null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Counted from weekends alone: the year's holiday calendar is not entered."),
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(
                fields=["due_on"],
                condition=models.Q(met_at__isnull=True),
                name="open_deadline_due_idx",
            ),
        ]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")

    def __str__(self) -> str:
        return f"{self.policy.name}: {self.due_on}"
