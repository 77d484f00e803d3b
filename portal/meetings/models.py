"""Joint meetings (联席会议), joint supervision (联合督查), major-case consultations (重大案件研商)
and liaison calls: finding a time, invitations, the agenda, and minutes (纪要) whose action
items are followed up like referrals."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

# The deadline policy of minutes' action items; its due date is chosen in the minutes.
ACTION_ITEM_POLICY = "meeting.action_item"
ACTION_ITEM_POLICY_DEFAULTS = {
    "name": "会议纪要事项办理",
    "days": 30,
    "unit": "calendar",
    "legal_basis": "三方协作机制·联席会议纪要",
}


class MeetingKind(models.TextChoices):
    JOINT_MEETING = "joint_meeting", _("Joint meeting")
    JOINT_SUPERVISION = "joint_supervision", _("Joint supervision")
    MAJOR_CASE_CONSULTATION = "major_case_consultation", _("Major-case consultation")
    LIAISON_CALL = "liaison_call", _("Liaison call")


class MeetingStatus(models.TextChoices):
    PLANNING = "planning", _("Finding a time")
    SCHEDULED = "scheduled", _("Scheduled")
    CLOSED = "closed", _("Minutes approved")
    CANCELLED = "cancelled", _("Cancelled")


# The legal moves are data in portal.meetings.permissions (MOVES); each is made by one
# service in portal.meetings.services.

# The statuses in which a meeting holds its room.
BOOKED_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.CLOSED)


class Room(models.Model):
    """A meeting room of one of the agencies; never booked twice at once."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    capacity = models.PositiveSmallIntegerField(_("seats"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting room")
        verbose_name_plural = _("meeting rooms")

    def __str__(self) -> str:
        return self.name


def _new_uid() -> str:
    return uuid.uuid4().hex


class Meeting(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organiser_agency = models.ForeignKey(
        "core.Agency",
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        verbose_name=_("organising agency"),
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        verbose_name=_("organiser"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNING
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("room"),
    )
    video_link = models.URLField(_("video link"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    # The calendar identity (iCalendar UID) and revision (SEQUENCE) of the invitation: an
    # update or a cancellation keeps the UID and raises the SEQUENCE, so calendar clients
    # change the event they already hold.
    uid = models.CharField(max_length=64, unique=True, default=_new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True)
    reminded_1h_at = models.DateTimeField(null=True, blank=True)
    # Raised by every move: a page showing an older version may not act on it.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
            # The exclusion constraint against double-booked rooms lives in migration 0002,
            # on PostgreSQL only (SQLite has no such constraint; the service checks there).
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        """Neither cancelled nor closed by approved minutes."""
        return self.status in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED)

    @property
    def place(self) -> str:
        parts = [str(self.room)] if self.room_id else []
        if self.video_link:
            parts.append(self.video_link)
        return " · ".join(parts)


class Rsvp(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation answer", "No answer yet")
    ACCEPTED = "accepted", pgettext_lazy("invitation answer", "Accepted")
    TENTATIVE = "tentative", pgettext_lazy("invitation answer", "Tentative")
    DECLINED = "declined", pgettext_lazy("invitation answer", "Declined")


class Participant(models.Model):
    """A portal user invited to a meeting; their agency's members see the meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_participations"
    )
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    rsvp = models.CharField(_("answer"), max_length=16, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_participation_per_person")
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.user} · {self.meeting}"


class Guest(models.Model):
    """A named external guest (e.g. from the court or the police): invited by email only."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(_("name"), max_length=60)
    organisation = models.CharField(_("organisation"), max_length=120)
    email = models.EmailField(_("email"), blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("guest")
        verbose_name_plural = _("guests")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class MeetingSlot(models.Model):
    """A time the organiser proposes; participants answer yes, maybe or no."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["meeting", "starts_at", "ends_at"], name="one_slot_per_time"
            ),
        ]
        verbose_name = _("proposed time")
        verbose_name_plural = _("proposed times")

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class VoteAnswer(models.TextChoices):
    YES = "yes", pgettext_lazy("poll answer", "Yes")
    MAYBE = "maybe", pgettext_lazy("poll answer", "Maybe")
    NO = "no", pgettext_lazy("poll answer", "No")


class SlotVote(models.Model):
    slot = models.ForeignKey(MeetingSlot, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(_("answer"), max_length=8, choices=VoteAnswer.choices)
    voted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "user"], name="one_vote_per_slot_and_person")
        ]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.answer}"


class AgendaItem(models.Model):
    """One point of the agenda, possibly about a case or a referral; the minutes record its
    discussion."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("case"),
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("referral"),
    )
    discussion = models.TextField(_("discussion"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class CaseShare(models.Model):
    """The organiser opened a linked case to the participants for this meeting, until its
    minutes are approved (or it is cancelled)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="case_shares")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="meeting_shares")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "case"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_open_share_per_meeting_and_case",
            )
        ]
        verbose_name = _("case shared for a meeting")
        verbose_name_plural = _("cases shared for meetings")

    def __str__(self) -> str:
        return f"{self.case} → {self.meeting}"


class CaseShareGrant(models.Model):
    """A person who got view access through a share (and did not see the case before): the
    one whose access is taken back when the share ends."""

    share = models.ForeignKey(CaseShare, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["share", "user"], name="one_grant_per_share_and_person")
        ]

    def __str__(self) -> str:
        return f"{self.share_id} → {self.user_id}"


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Minutes(models.Model):
    """The minutes (纪要). Approved minutes are frozen: the services refuse every change."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    status = models.CharField(
        _("status"), max_length=16, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    summary = models.TextField(pgettext_lazy("minutes", "summary"), blank=True)
    resolutions = models.TextField(_("resolutions"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"{self.meeting} · {self.get_status_display()}"

    @property
    def is_approved(self) -> bool:
        return self.status == MinutesStatus.APPROVED


class ActionItemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("action item", "Open")
    DONE = "done", pgettext_lazy("action item", "Done")


class ActionItem(models.Model):
    """A decision someone must carry out by a date; followed up from the minutes' approval."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(_("what to do"), max_length=300)
    owner_agency = models.ForeignKey(
        "core.Agency",
        on_delete=models.PROTECT,
        related_name="meeting_action_items",
        verbose_name=_("owner agency"),
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_action_items",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    # Started when the minutes are approved: the overdue sweep and the work lists read it.
    deadline = models.OneToOneField(
        "core.Deadline", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_note = models.CharField(_("how it was done"), max_length=300, blank=True)
    # Raised by every move of the item (portal.meetings.permissions.ACTION_ITEM_MOVES).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["owner_agency", "status", "due_on"])]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.description


class MeetingUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Meeting, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class MeetingGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Meeting, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass
