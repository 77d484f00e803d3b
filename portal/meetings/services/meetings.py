"""Meetings themselves: create, change, cancel; participants and guests."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import Agency, User
from portal.core.notifications import notify
from portal.core.stored_text import stored_text

from ..ics import CANCEL
from ..models import (
    ActionItem,
    Guest,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    Room,
    Rsvp,
)
from ..permissions import (
    MOVES,
    Move,
    can_create,
    grant_meeting_to_agency,
    removable,
    require_open,
    require_organiser,
    revoke_meeting_from_agency,
)
from ..timing import room_bookings
from .agenda import share_grant_to_participant, shares_end
from .common import check_times, local, lock, meeting_path
from .invitations import notify_participants, send_invitations_after_commit


@dataclass
class MeetingData:
    kind: str
    title: str
    description: str = ""
    room: Room | None = None
    video_link: str = ""


@dataclass
class GuestData:
    name: str
    organisation: str
    email: str = ""


def _clean(data: MeetingData) -> MeetingData:
    if data.kind not in MeetingKind.values:
        raise ApplicationError(_("Unknown kind of meeting."), field="kind")
    title = data.title.strip()
    if not title:
        raise ApplicationError(_("A meeting needs a title."), field="title")
    link = data.video_link.strip()
    if link:
        try:
            URLValidator(schemes=["https", "http"])(link)
        except ValidationError as exc:
            raise ApplicationError(
                _("The video link is not a web address."), field="video_link"
            ) from exc
    if data.room is None and not link:
        raise ApplicationError(_("Choose a room or give a video link."), field="room")
    if data.room is not None and not data.room.active:
        raise ApplicationError(_("This room is no longer in use."), field="room")
    return MeetingData(data.kind, title, data.description.strip(), data.room, link)


def check_participant(user: User) -> Agency:
    """A participant is a person with an active account in a portal agency."""
    agency = user.agency if user.is_active else None
    if agency is None or not agency.is_member:
        raise ApplicationError(
            _(
                "%(name)s has no account of a portal agency and cannot take part; invite them as a guest."
            )
            % {"name": user},
            field="participants",
        )
    return agency


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    data: MeetingData,
    participants: Iterable[User] = (),
    guests: Iterable[GuestData] = (),
) -> Meeting:
    """Organise a meeting for the actor's agency; its time is found with a poll."""
    if not can_create(actor):
        raise ApplicationError(
            _("Only staff with a working role of a portal agency can organise meetings.")
        )
    data = _clean(data)
    invited = {user.pk: user for user in participants if user.pk != actor.pk}
    agencies = {user.pk: check_participant(user) for user in invited.values()}
    organiser_agency = actor.agency
    assert organiser_agency is not None  # can_create
    meeting = Meeting.objects.create(
        kind=data.kind,
        title=data.title,
        description=data.description,
        room=data.room,
        video_link=data.video_link,
        organiser=actor,
        organiser_agency=organiser_agency,
    )
    Participant.objects.create(
        meeting=meeting,
        user=actor,
        agency=organiser_agency,
        rsvp=Rsvp.ACCEPTED,
        rsvp_at=timezone.now(),
    )
    Participant.objects.bulk_create(
        Participant(meeting=meeting, user=user, agency=agencies[user.pk])
        for user in invited.values()
    )
    for agency in {organiser_agency, *agencies.values()}:
        grant_meeting_to_agency(meeting, agency)
    for guest in guests:
        _guest_create(meeting, guest)
    audit_record(actor=actor, action="meeting.create", obj=meeting, status_after=meeting.status)
    transaction.on_commit(
        lambda: notify_participants(
            meeting,
            title=stored_text(gettext_lazy("You are invited: %(title)s"), title=meeting.title),
            body=stored_text(
                gettext_lazy("%(agency)s is finding a time; answer the poll."),
                agency=organiser_agency.label,
            ),
            exclude=actor,
            email=True,  # no calendar file yet: the poll comes first
        )
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    data: MeetingData,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> Meeting:
    """Change a meeting. Once its time is fixed, a change the invitation shows raises its
    SEQUENCE and sends the update (same UID) to everyone."""
    meeting = MOVES.begin(actor, meeting, Move.UPDATE, expected_version)
    data = _clean(data)
    if (starts_at is None) != (ends_at is None):
        raise ApplicationError(_("Give both the start and the end."), field="starts_at")
    new: dict[str, object] = {
        "kind": data.kind,
        "title": data.title,
        "description": data.description,
        "room_id": data.room.pk if data.room else None,
        "video_link": data.video_link,
    }
    scheduled = meeting.status == MeetingStatus.SCHEDULED
    if starts_at is not None and ends_at is not None:
        if not scheduled:
            raise ApplicationError(_("Find the time with the poll first."), field="starts_at")
        if (starts_at, ends_at) != (meeting.starts_at, meeting.ends_at):
            check_times(starts_at, ends_at)
            new.update(starts_at=starts_at, ends_at=ends_at)
    changed = [name for name, value in new.items() if getattr(meeting, name) != value]
    if not changed:
        return meeting
    for name in changed:
        setattr(meeting, name, new[name])
    fields = (Meeting._meta.get_field(name.removesuffix("_id")) for name in changed)
    labels = {f"f{i}": field.verbose_name for i, field in enumerate(fields)}  # type: ignore[union-attr]
    note = stored_text(", ".join(f"%({key})s" for key in labels), **labels)
    if scheduled:
        _check_room(meeting)
        meeting.sequence += 1
        if "starts_at" in changed:
            # A moved meeting is reminded again at its new time.
            meeting.reminded_24h_at = meeting.reminded_1h_at = None
            changed += ["reminded_24h_at", "reminded_1h_at"]
        changed.append("sequence")
    after_commit = []
    if scheduled:
        send_invitations_after_commit(meeting)
        after_commit = [
            lambda: notify_participants(
                meeting,
                title=stored_text(gettext_lazy("Changed: %(title)s"), title=meeting.title),
                body=f"{local(meeting.starts_at)} · {meeting.place}",
                exclude=actor,
            ),
        ]
    with booking(meeting):
        MOVES.finish(
            actor, meeting, Move.UPDATE, fields=changed, note=note, after_commit=after_commit
        )
    return meeting


def _check_room(meeting: Meeting) -> None:
    """The friendly answer on every database; on PostgreSQL the exclusion constraint backs it
    up for two bookings racing past this check (save_booking turns it into the same answer)."""
    if meeting.room is None or meeting.starts_at is None or meeting.ends_at is None:
        return
    taken = room_bookings(meeting.room, meeting.starts_at, meeting.ends_at, exclude=meeting).first()
    if taken is not None:
        raise room_taken(meeting.room, taken.starts_at, taken.ends_at)


def room_taken(
    room: Room, starts_at: datetime.datetime | None, ends_at: datetime.datetime | None
) -> ApplicationError:
    # The other meeting's title is not told: it may belong to an agency the actor cannot see.
    return ApplicationError(
        _(
            "The room %(room)s is already booked from %(start)s to %(end)s; choose another room or time."
        )
        % {
            "room": room.name,
            "start": local(starts_at),
            "end": timezone.localtime(ends_at).strftime("%H:%M") if ends_at else "",
        },
        field="room",
    )


def _lost_the_room(exc: Exception) -> bool:
    """The exclusion constraint refused the booking, or, when two bookings of one room check
    the constraint against each other at the same instant, PostgreSQL broke the deadlock by
    aborting this one (SQLSTATE 40P01): either way the other booking won the room."""
    if isinstance(exc, IntegrityError):
        return "meeting_room_no_double_booking" in str(exc)
    deadlock = getattr(exc.__cause__, "sqlstate", None) == "40P01"
    return deadlock and "exclusion constraint" in str(exc)


@contextmanager
def booking(meeting: Meeting) -> Iterator[None]:
    """Around the save of a meeting that may hold a room: the database refuses a double
    booking, and the refusal is told as the room being taken."""
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, OperationalError) as exc:
        room, starts_at, ends_at = meeting.room, meeting.starts_at, meeting.ends_at
        if not _lost_the_room(exc) or not (room and starts_at and ends_at):
            raise
        taken = room_bookings(room, starts_at, ends_at, exclude=meeting).first()
        raise room_taken(
            room, taken.starts_at if taken else starts_at, taken.ends_at if taken else ends_at
        ) from exc


@transaction.atomic
def meeting_cancel(
    *, actor: User, meeting: Meeting, reason: str = "", expected_version: int | None = None
) -> Meeting:
    """Cancel a meeting: participants are told, calendars get METHOD:CANCEL, shares end."""
    meeting = MOVES.begin(actor, meeting, Move.CANCEL, expected_version)
    was_sent = meeting.status == MeetingStatus.SCHEDULED
    meeting.cancel_reason = reason.strip()[:300]
    meeting.cancelled_at = timezone.now()
    fields = ["cancel_reason", "cancelled_at"]
    if was_sent:
        meeting.sequence += 1
        fields.append("sequence")
    if was_sent:
        send_invitations_after_commit(meeting, CANCEL)
    after_commit: list[Callable[[], object]] = []
    after_commit.append(
        lambda: notify_participants(
            meeting,
            title=stored_text(gettext_lazy("Cancelled: %(title)s"), title=meeting.title),
            body=meeting.cancel_reason,
            exclude=actor,
        )
    )
    shares_end(actor=actor, meeting=meeting, reason=stored_text(gettext_lazy("meeting cancelled")))
    MOVES.finish(
        actor,
        meeting,
        Move.CANCEL,
        fields=fields,
        note=meeting.cancel_reason,
        after_commit=after_commit,
    )
    return meeting


# --- participants and guests ---------------------------------------------------------------------


@transaction.atomic
def participant_add(*, actor: User, meeting: Meeting, user: User) -> Participant:
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    require_open(meeting)
    agency = check_participant(user)
    if Participant.objects.filter(meeting=meeting, user=user).exists():
        raise ApplicationError(_("%(name)s is already invited.") % {"name": user}, field="user")
    participant = Participant.objects.create(meeting=meeting, user=user, agency=agency)
    grant_meeting_to_agency(meeting, agency)
    share_grant_to_participant(actor=actor, meeting=meeting, user=user)
    audit_record(
        actor=actor, action="meeting.participant_add", obj=meeting, note=user.get_username()
    )
    transaction.on_commit(
        lambda: notify(
            recipients=[user],
            title=stored_text(gettext_lazy("You are invited: %(title)s"), title=meeting.title),
            url=meeting_path(meeting),
            email=meeting.status != MeetingStatus.SCHEDULED,  # else the .ics email says it
        )
    )
    if meeting.status == MeetingStatus.SCHEDULED:
        send_invitations_after_commit(meeting, user_ids=[user.pk])
    return participant


@transaction.atomic
def participant_remove(*, actor: User, meeting: Meeting, participant: Participant) -> None:
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    require_open(meeting)
    if participant.meeting_id != meeting.pk:
        raise ApplicationError(_("This person is not invited to this meeting."))
    if not removable(meeting, participant):
        raise ApplicationError(_("The organiser cannot be removed from their meeting."))
    user, agency = participant.user, participant.agency
    shares_end(
        actor=actor,
        meeting=meeting,
        reason=stored_text(gettext_lazy("removed from the meeting")),
        user=user,
    )
    participant.delete()
    revoke_agency_if_unused(meeting, agency)
    audit_record(
        actor=actor, action="meeting.participant_remove", obj=meeting, note=user.get_username()
    )
    if meeting.status == MeetingStatus.SCHEDULED and user.email:
        send_invitations_after_commit(meeting, CANCEL, emails=[user.email])


def revoke_agency_if_unused(meeting: Meeting, agency: Agency) -> None:
    """An agency keeps seeing the meeting while it organises it, has a participant in it or
    owns one of its action items."""
    if agency.pk == meeting.organiser_agency_id:
        return
    if Participant.objects.filter(meeting=meeting, agency=agency).exists():
        return
    if ActionItem.objects.filter(meeting=meeting, owner_agency=agency).exists():
        return
    revoke_meeting_from_agency(meeting, agency)


def _guest_create(meeting: Meeting, data: GuestData) -> Guest:
    name, organisation, email = data.name.strip(), data.organisation.strip(), data.email.strip()
    if not name or not organisation:
        raise ApplicationError(_("A guest needs a name and an organisation."), field="name")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ApplicationError(
                _("The guest's email address is not valid."), field="email"
            ) from exc
    return Guest.objects.create(meeting=meeting, name=name, organisation=organisation, email=email)


@transaction.atomic
def guest_add(*, actor: User, meeting: Meeting, data: GuestData) -> Guest:
    """Invite a named external guest (court, police...); they are invited by email only."""
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    require_open(meeting)
    guest = _guest_create(meeting, data)
    audit_record(actor=actor, action="meeting.guest_add", obj=meeting, note=str(guest))
    if meeting.status == MeetingStatus.SCHEDULED and guest.email:
        send_invitations_after_commit(meeting, emails=[guest.email])
    return guest


@transaction.atomic
def guest_remove(*, actor: User, meeting: Meeting, guest: Guest) -> None:
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    require_open(meeting)
    if guest.meeting_id != meeting.pk:
        raise ApplicationError(_("This guest is not invited to this meeting."))
    email, label = guest.email, str(guest)
    guest.delete()
    audit_record(actor=actor, action="meeting.guest_remove", obj=meeting, note=label)
    if meeting.status == MeetingStatus.SCHEDULED and email:
        send_invitations_after_commit(meeting, CANCEL, emails=[email])
