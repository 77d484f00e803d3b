"""Conversations and their messages.

A conversation belongs to one object (a case, a referral, a meeting), to a set of agencies
(a standing liaison channel) or to two people (a direct conversation). Who is a member is
never stored: it is whoever the object's `access_*` loader lets in at the moment, so the
membership follows every change of access."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversationKind(models.TextChoices):
    CASE = "case", _("Case")
    REFERRAL = "referral", _("Referral")
    MEETING = "meeting", _("Meeting")
    LIAISON = "liaison", _("Liaison channel")
    DIRECT = "direct", _("Direct messages")


class Conversation(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ConversationKind.choices)
    # One stable key per conversation ("case:12", "liaison:arbitration+bureau", "direct:3:7"):
    # a unique constraint on it makes "get or create" safe against two first messages at once.
    key = models.CharField(max_length=80, unique=True)
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    agencies = models.ManyToManyField("core.Agency", blank=True, related_name="+")
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.key


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("text"), blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    mentioned_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    mentioned_agencies = models.ManyToManyField("core.Agency", blank=True, related_name="+")
    ack_requested = models.BooleanField(_("acknowledgement requested"), default=False)
    attachment = models.FileField(upload_to="messaging/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"])]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.conversation} #{self.pk}"


class MessageRevision(models.Model):
    """The text a message had before an edit: edits never lose what was said."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.message} @ {self.replaced_at:%Y-%m-%d %H:%M}"


class ReadMark(models.Model):
    """How far one person has read one conversation."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="messaging_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.conversation} to #{self.last_read_id}"


class Acknowledgement(models.Model):
    """One addressee of an "acknowledgement requested" message: reminded until acknowledged."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="acks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="messaging_ack_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.message}"
