from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    """A Celery task a transaction asked for, written in that transaction: it is published
    after commit, and published again by the sweep until a worker has done it
    (portal/core/outbox.py). A broker that was away when the request committed loses
    nothing."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last handed to the broker; null: the publish failed, send it at once.
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["sent_at"], condition=models.Q(done_at__isnull=True), name="outbox_pending"
            )
        ]
        verbose_name = _("outbox task")
        verbose_name_plural = _("outbox tasks")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
