"""Finding a time: proposed slots, the participants' votes, fixing one; answers to the
invitation."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import User
from portal.core.notifications import notify
from portal.core.stored_text import stored_text

from ..models import Meeting, MeetingSlot, MeetingStatus, Participant, Rsvp, SlotVote, VoteAnswer
from ..permissions import MOVES, Move, require_organiser
from .common import check_times, local, lock, meeting_path
from .invitations import notify_participants, send_invitations_after_commit
from .meetings import _check_room, booking


def _require_polling(meeting: Meeting) -> None:
    """The poll is open while a time can still be fixed."""
    if not MOVES.possible(meeting, Move.FIX):
        raise ApplicationError(MOVES.state_refusal(meeting, Move.FIX))


@transaction.atomic
def slot_propose(
    *, actor: User, meeting: Meeting, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> MeetingSlot:
    """Propose a time in the poll. Holidays and hours outside office hours are allowed, and
    flagged on the poll (portal.meetings.timing)."""
    meeting = lock(meeting)
    require_organiser(actor, meeting)
    _require_polling(meeting)
    check_times(starts_at, ends_at)
    if meeting.slots.filter(starts_at=starts_at, ends_at=ends_at).exists():
        raise ApplicationError(_("This time is already proposed."), field="starts_at")
    slot = MeetingSlot.objects.create(meeting=meeting, starts_at=starts_at, ends_at=ends_at)
    audit_record(
        actor=actor, action="meeting.slot_propose", obj=meeting, note=str(local(starts_at))
    )
    transaction.on_commit(
        lambda: notify_participants(
            meeting,
            title=stored_text(
                gettext_lazy("A time is proposed for %(title)s"), title=meeting.title
            ),
            body=stored_text(gettext_lazy("%(when)s: answer the poll."), when=local(starts_at)),
            exclude=actor,
        )
    )
    return slot


@transaction.atomic
def slot_vote(*, actor: User, meeting: Meeting, answers: dict[int, str]) -> list[SlotVote]:
    """A participant's yes / maybe / no for each proposed time (a later vote replaces it)."""
    meeting = lock(meeting)
    if not Participant.objects.filter(meeting=meeting, user=actor).exists():
        raise ApplicationError(_("Only the participants answer the poll."))
    _require_polling(meeting)
    slots = {slot.pk: slot for slot in meeting.slots.all()}
    if not answers:
        raise ApplicationError(_("Answer at least one of the proposed times."))
    unknown = set(answers) - set(slots)
    if unknown:
        raise ApplicationError(_("One of the times is not proposed for this meeting."))
    if set(answers.values()) - set(VoteAnswer.values):
        raise ApplicationError(_("Answer yes, maybe or no."))
    votes = []
    for slot_pk, answer in sorted(answers.items()):
        vote, _created = SlotVote.objects.update_or_create(
            slot=slots[slot_pk], user=actor, defaults={"answer": answer}
        )
        votes.append(vote)
    note = ", ".join(
        stored_text(
            "%(when)s %(answer)s", when=local(slots[pk].starts_at), answer=VoteAnswer(answer).label
        )
        for pk, answer in sorted(answers.items())
    )
    audit_record(actor=actor, action="meeting.slot_vote", obj=meeting, note=note)
    return votes


@transaction.atomic
def meeting_fix_slot(
    *, actor: User, meeting: Meeting, slot: MeetingSlot, expected_version: int | None = None
) -> Meeting:
    """Fix one proposed time: the meeting is scheduled, books its room and the invitations
    (METHOD:REQUEST, SEQUENCE 0) go out.

    Two organisers fixing the same meeting queue on its row lock: the second is told the time
    is fixed. Two meetings fixed into one room at once: the check below sees the other only
    once it is committed, so on PostgreSQL the exclusion constraint refuses the second (and
    `booking` turns that into the same message); SQLite runs one writer at a time."""
    meeting = MOVES.begin(actor, meeting, Move.FIX, expected_version)
    if slot.meeting_id != meeting.pk:
        raise ApplicationError(_("This time is not proposed for this meeting."))
    if slot.starts_at <= timezone.now():
        raise ApplicationError(_("This time has passed; propose another one."))
    meeting.starts_at, meeting.ends_at = slot.starts_at, slot.ends_at
    meeting.fixed_at = timezone.now()
    _check_room(meeting)

    def notice() -> None:
        notify_participants(
            meeting,
            title=stored_text(gettext_lazy("Time fixed: %(title)s"), title=meeting.title),
            body=f"{local(meeting.starts_at)} · {meeting.place}",
            exclude=actor,
        )

    with booking(meeting):
        send_invitations_after_commit(meeting)
        MOVES.finish(
            actor,
            meeting,
            Move.FIX,
            fields=["starts_at", "ends_at", "fixed_at"],
            note=local(meeting.starts_at),
            after_commit=[notice],
        )
    return meeting


@transaction.atomic
def participant_rsvp(*, actor: User, meeting: Meeting, answer: str) -> Participant:
    """Accept, accept tentatively or decline the invitation."""
    meeting = lock(meeting)
    participant = (
        Participant.objects.select_for_update().filter(meeting=meeting, user=actor).first()
    )
    if participant is None:
        raise ApplicationError(_("Only the participants answer the invitation."))
    if meeting.status != MeetingStatus.SCHEDULED:
        if meeting.status == MeetingStatus.PLANNING:
            raise ApplicationError(_("The time is not fixed yet: answer the poll instead."))
        raise ApplicationError(_("The meeting is over or cancelled."))
    if answer not in (Rsvp.ACCEPTED, Rsvp.TENTATIVE, Rsvp.DECLINED):
        raise ApplicationError(_("Accept, accept tentatively or decline."), field="answer")
    participant.rsvp = answer
    participant.rsvp_at = timezone.now()
    participant.save(update_fields=["rsvp", "rsvp_at"])
    note = stored_text(Rsvp(answer).label)
    audit_record(actor=actor, action="meeting.rsvp", obj=meeting, note=note)
    if actor.pk != meeting.organiser_id:
        organiser = meeting.organiser
        label = Rsvp(answer).label
        transaction.on_commit(
            lambda: notify(
                recipients=[organiser],
                title=stored_text(
                    gettext_lazy("%(name)s: %(answer)s · %(title)s"),
                    name=actor,
                    answer=label,
                    title=meeting.title,
                ),
                url=meeting_path(meeting),
                email=False,
            )
        )
    return participant
