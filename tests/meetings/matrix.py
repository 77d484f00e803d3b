"""The meetings of the permission matrix's world (tests/test_permission_matrix.py): for each
portal agency, meetings its admin organises with all of its staff, in every state a meeting
URL needs. Meetings are held online: no room is shared between them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from portal.cases.models import Case
from portal.core.models import Agency, User
from portal.meetings.models import ActionItem, AgendaItem, Guest, Meeting, MeetingKind, MeetingSlot
from portal.meetings.services import (
    ActionItemData,
    GuestData,
    MeetingData,
    MinutesData,
    agenda_item_add,
    guest_add,
    meeting_create,
    meeting_fix_slot,
    minutes_approve,
    minutes_save,
    slot_propose,
)

ORGANISERS = {"bureau": "bureau.admin", "arbitration": "arb.admin", "procuratorate": "proc.admin"}
# A person of another agency each meeting may invite.
INVITEE = {
    "bureau": "arb.mediator",
    "arbitration": "proc.liaison",
    "procuratorate": "bureau.inspector",
}
STATES = ["planning", "scheduled", "held", "closed"]


@dataclass
class MeetingWorld:
    meetings: dict[tuple[str, str], Meeting] = field(default_factory=dict)  # (state, agency)
    slots: dict[int, MeetingSlot] = field(default_factory=dict)  # by meeting pk
    guests: dict[int, Guest] = field(default_factory=dict)
    items: dict[int, AgendaItem] = field(default_factory=dict)  # an agenda item with a case
    actions: dict[int, ActionItem] = field(default_factory=dict)
    invitee: dict[int, User] = field(default_factory=dict)
    removable: dict[int, int] = field(default_factory=dict)  # a participant's pk


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def build_meetings(users: dict[str, User], cases: dict[str, Case]) -> MeetingWorld:
    world = MeetingWorld()
    for code, organiser_name in ORGANISERS.items():
        organiser = users[organiser_name]
        staff = [u for u in users.values() if u.agency is not None and u.agency.code == code]
        for state in STATES:
            meeting = meeting_create(
                actor=organiser,
                data=MeetingData(
                    kind=MeetingKind.JOINT_MEETING,
                    title=f"{code} {state}",
                    video_link=f"https://meeting.example.gov.cn/{code}/{state}",
                ),
                participants=staff,
            )
            world.invitee[meeting.pk] = users[INVITEE[code]]
            world.removable[meeting.pk] = meeting.participants.exclude(user=organiser).first().pk
            world.guests[meeting.pk] = guest_add(
                actor=organiser, meeting=meeting, data=GuestData("陈法官", "海珠区人民法院")
            )
            world.items[meeting.pk] = agenda_item_add(
                actor=organiser, meeting=meeting, title="案件研商", case=cases[code]
            )
            slot = slot_propose(
                actor=organiser, meeting=meeting, starts_at=_at(10, 9), ends_at=_at(10, 10)
            )
            world.slots[meeting.pk] = slot
            if state != "planning":
                meeting = meeting_fix_slot(actor=organiser, meeting=meeting, slot=slot)
            if state in ("held", "closed"):
                Meeting.objects.filter(pk=meeting.pk).update(
                    starts_at=_at(-2, 9), ends_at=_at(-2, 10)
                )
                due = timezone.localdate() + datetime.timedelta(days=7)
                owner = Agency.objects.get(code=code)
                minutes_save(
                    actor=organiser,
                    meeting=meeting,
                    data=MinutesData(
                        resolutions="决议",
                        action_items=[ActionItemData("落实决议", owner_agency=owner, due_on=due)],
                    ),
                )
            if state == "closed":
                minutes_approve(actor=organiser, meeting=meeting)
                world.actions[meeting.pk] = meeting.action_items.get()
            world.meetings[(state, code)] = Meeting.objects.get(pk=meeting.pk)
    return world
