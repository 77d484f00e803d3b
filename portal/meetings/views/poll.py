"""Finding a time: the poll's page, proposing, voting, fixing one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from portal.core.http import portal_user

from .. import selectors, services
from ..forms import FixSlotForm, SlotForm, VoteForm
from ..models import Meeting
from ..permissions import Move, access_meeting, available_moves, is_polling, participant_of
from .common import meeting_post, refusal


def meeting_poll(request: HttpRequest, pk: int) -> HttpResponse:
    return _poll(request, access_meeting(portal_user(request), pk))


def _poll(
    request: HttpRequest, meeting: Meeting, bound: tuple[str, forms.BaseForm] | None = None
) -> HttpResponse:
    """The poll's page; `bound` is the form that was refused, shown as typed."""
    user = portal_user(request)
    key, refused = bound if bound else ("", None)
    rows = selectors.poll_for(meeting, user)
    polling = is_polling(meeting)
    organise = Move.FIX in available_moves(user, meeting)
    slot_form = refused if key == "slot-propose" else SlotForm()
    fix_form = refused if key == "fix-slot" else None
    participants = selectors.participants_of(meeting)
    shown = ({"slot-propose"} | ({"fix-slot"} if rows else set())) if organise else set()
    context = {
        "meeting": meeting,
        "rows": rows,
        "polling": polling,
        "can_vote": participant_of(user, meeting) is not None and polling and bool(rows),
        "can_organise": organise,
        "slot_form": slot_form if organise else None,
        "fix_form": fix_form,
        "refusal": "" if key in shown else refusal(refused),
        "participant_count": len(participants),
        "not_answered": selectors.poll_not_answered(rows, participants),
        "best_slot": selectors.poll_best(rows),
    }
    return render(request, "meetings/poll.html", context)


def _propose(user: Any, meeting: Meeting, data: dict[str, Any], _kw: Any) -> object:
    starts_at, ends_at = SlotForm.times_of(data)
    return services.slot_propose(actor=user, meeting=meeting, starts_at=starts_at, ends_at=ends_at)


slot_propose = meeting_post(
    "slot-propose",
    form=lambda request, meeting, _kw: SlotForm(request.POST),
    perform=_propose,
    done=_("Time proposed."),
    page=_poll,
    then="poll",
)

slot_vote = meeting_post(
    "slot-vote",
    form=lambda request, meeting, _kw: VoteForm(request.POST, slots=meeting.slots.all()),
    perform=lambda user, meeting, data, _kw: services.slot_vote(
        actor=user, meeting=meeting, answers=VoteForm.answers_of(data)
    ),
    done=_("Your answers are saved."),
    page=_poll,
    then="poll",
)

meeting_fix_slot = meeting_post(
    "fix-slot",
    form=lambda request, meeting, _kw: FixSlotForm(request.POST, slots=meeting.slots.all()),
    perform=lambda user, meeting, data, _kw: services.meeting_fix_slot(
        actor=user, meeting=meeting, slot=data["slot"], expected_version=data["version"]
    ),
    done=_("The time is fixed and the invitations are sent."),
    page=_poll,
    then="detail",
)
