"""Invitations and reminders: the after-commit side of the meeting services.

The in-app notification and the email with the .ics file go out after commit; the email is
sent by a Celery task that takes ids. Reminders come from a beat sweep, each once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.models import User
from portal.core.notifications import notify
from portal.core.outbox import enqueue_after_commit
from portal.core.stored_text import stored_text

from ..ics import CANCEL, REQUEST, meeting_ics, meeting_url
from ..models import Meeting, MeetingStatus, Participant, Rsvp
from .common import local, meeting_path


def send_invitations_after_commit(
    meeting: Meeting,
    method: str = REQUEST,
    *,
    user_ids: Iterable[int] | None = None,
    emails: Iterable[str] | None = None,
) -> None:
    """Email the .ics (to every participant and guest, or to those named) after commit,
    through the outbox (kept with the caller's writes); the SEQUENCE is the one of now."""
    from ..tasks import meeting_invitation_send_task

    users = sorted(user_ids) if user_ids is not None else None
    addresses = sorted(emails) if emails is not None else None
    enqueue_after_commit(
        meeting_invitation_send_task, meeting.pk, method, meeting.sequence, users, addresses
    )


def invitation_send(
    *,
    meeting_id: int,
    method: str,
    sequence: int,
    user_ids: list[int] | None = None,
    emails: list[str] | None = None,
) -> int:
    """Send the calendar file by email; the count of messages is returned.

    A request superseded by a later version (a higher SEQUENCE) is not sent: the later one
    carries the current state. Sending the same version twice is harmless, for calendar
    clients match it by UID and SEQUENCE."""
    meeting = (
        Meeting.objects.select_related("organiser", "organiser_agency", "room")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or meeting.starts_at is None:
        return 0
    if method == REQUEST and (
        meeting.sequence != sequence or meeting.status != MeetingStatus.SCHEDULED
    ):
        return 0
    if emails is None:
        participants = Participant.objects.filter(meeting=meeting).select_related("user")
        if user_ids is not None:
            participants = participants.filter(user_id__in=user_ids)
        addresses = [p.user.email for p in participants if p.user.email]
        if user_ids is None:
            addresses += [g.email for g in meeting.guests.all() if g.email]
    else:
        addresses = list(emails)
    if not addresses:
        return 0
    ics = meeting_ics(meeting, method)
    when = local(meeting.starts_at)
    if method == CANCEL:
        subject = _("Cancelled: %(title)s (%(when)s)") % {"title": meeting.title, "when": when}
    elif meeting.sequence:
        subject = _("Changed: %(title)s (%(when)s)") % {"title": meeting.title, "when": when}
    else:
        subject = _("Invitation: %(title)s (%(when)s)") % {"title": meeting.title, "when": when}
    lines = [
        f"{meeting.get_kind_display()} · {meeting.organiser_agency.name}",
        _("Time: %(start)s – %(end)s (Beijing time)")
        % {"start": when, "end": timezone.localtime(meeting.ends_at).strftime("%H:%M")},
    ]
    if meeting.place:
        lines.append(_("Place: %(place)s") % {"place": meeting.place})
    if method == CANCEL and meeting.cancel_reason:
        lines.append(_("Reason: %(reason)s") % {"reason": meeting.cancel_reason})
    body = "\n".join([*lines, "", meeting_url(meeting)])
    sent = 0
    for address in dict.fromkeys(addresses):
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
        part.set_param("method", method)
        part.add_header("Content-Disposition", "attachment", filename="meeting.ics")
        message.attach(part)
        message.send()
        sent += 1
    return sent


def notify_participants(
    meeting: Meeting,
    *,
    title: str,
    body: str = "",
    exclude: User | None = None,
    email: bool = False,
    dedupe_key: str = "",
) -> None:
    """In-app notification to the participants (the invitation email carries the rest)."""
    users = User.objects.filter(meeting_participations__meeting=meeting, is_active=True)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    notify(
        recipients=list(users),
        title=title,
        body=body,
        url=meeting_path(meeting),
        email=email,
        dedupe_key=dedupe_key,
    )


# --- reminders -----------------------------------------------------------------------------------

REMINDERS = (
    # label, how long before the start, the field that records it
    ("1h", datetime.timedelta(hours=1), "reminded_1h_at"),
    ("24h", datetime.timedelta(hours=24), "reminded_24h_at"),
)


def meeting_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the participants 24 hours and 1 hour before a scheduled meeting, once each.

    Idempotent: a reminder is claimed by a conditional UPDATE of its field (a second sweep
    running at the same time claims nothing), and the notifications carry a dedupe key with
    the start time, so a meeting moved to another time is reminded again. Within the last
    hour only the 1-hour reminder goes out."""
    now = now or timezone.now()
    sent = 0
    for label, before, field in REMINDERS:
        due = Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + before,
            **{f"{field}__isnull": True},
        ).order_by("starts_at")
        for meeting in due:
            with transaction.atomic():
                claim = {field: now}
                if label == "1h":
                    claim["reminded_24h_at"] = meeting.reminded_24h_at or now
                claimed = Meeting.objects.filter(
                    pk=meeting.pk,
                    status=MeetingStatus.SCHEDULED,
                    starts_at=meeting.starts_at,
                    **{f"{field}__isnull": True},
                ).update(**claim)
                if not claimed:
                    continue
                _remind(meeting, label)
                sent += 1
    return sent


def _remind(meeting: Meeting, label: str) -> None:
    assert meeting.starts_at is not None
    attending = Participant.objects.filter(meeting=meeting).exclude(rsvp=Rsvp.DECLINED)
    recipients = User.objects.filter(is_active=True, pk__in=attending.values("user_id"))
    if label == "1h":
        title = stored_text(gettext_lazy("In one hour: %(title)s"), title=meeting.title)
    else:
        title = stored_text(gettext_lazy("Tomorrow: %(title)s"), title=meeting.title)
    notify(
        recipients=list(recipients),
        title=title,
        body=stored_text(
            gettext_lazy("%(when)s · %(place)s"), when=local(meeting.starts_at), place=meeting.place
        ),
        url=meeting_path(meeting),
        dedupe_key=f"meeting-{meeting.pk}-reminder-{label}-{meeting.starts_at:%Y%m%d%H%M}",
    )
