"""The meeting's page and the POSTs made from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.http import portal_user

from .. import selectors, services
from ..forms import (
    AgendaItemForm,
    CancelForm,
    CompleteForm,
    GuestForm,
    GuestRemoveForm,
    ParticipantForm,
    ParticipantRemoveForm,
    RsvpForm,
)
from ..models import ActionItem, AgendaItem, Meeting
from ..permissions import (
    Move,
    access_meeting,
    available_moves,
    completable,
    may_answer,
    may_organise_now,
    participant_of,
    removable,
)
from .common import meeting_post, refusal

Bound = tuple[str, forms.BaseForm]


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_meeting(portal_user(request), pk))


def _detail(request: HttpRequest, meeting: Meeting, bound: Bound | None = None) -> HttpResponse:
    """The meeting's page; `bound` is the form that was refused, shown as typed."""
    user = portal_user(request)
    key, refused = bound if bound else ("", None)

    def form(name: str, fresh: Callable[[], forms.BaseForm]) -> forms.BaseForm:
        return refused if name == key and refused is not None else fresh()

    moves = available_moves(user, meeting)
    organise = may_organise_now(user, meeting)
    me = participant_of(user, meeting)
    can_rsvp = may_answer(me, meeting)
    agenda = selectors.agenda_for(meeting, user)
    for row in agenda:
        row.can_share = organise and row.case_visible and not row.shared
    items = selectors.action_items_of(meeting)
    for item, may in zip(items, _completion_forms(user, items, form), strict=True):
        item.complete_form = may  # type: ignore[attr-defined]
    shown = {f"complete-{item.pk}" for item in items if item.complete_form}  # type: ignore[attr-defined]
    shown |= {"rsvp"} if can_rsvp else set()
    shown |= {"participant-add", "guest-add", "agenda-add"} if organise else set()
    shown |= {"cancel"} if Move.CANCEL in moves else set()
    participants = selectors.participants_of(meeting)
    context = {
        "meeting": meeting,
        "me": me,
        "participants": participants,
        "removable": {p.pk for p in participants if organise and removable(meeting, p)},
        "guests": list(meeting.guests.all()),
        "agenda": agenda,
        "minutes": selectors.minutes_of(meeting),
        "action_items": items,
        "documents": selectors.meeting_documents(meeting),
        "history": selectors.meeting_history(meeting)[:100],
        "can_organise": organise,
        "can_edit": Move.UPDATE in moves,
        "can_rsvp": can_rsvp,
        "rsvp_form": form("rsvp", lambda: RsvpForm(initial={"answer": me.rsvp} if me else None)),
        "participant_form": form(
            "participant-add",
            lambda: ParticipantForm(candidates=selectors.participant_candidates(meeting)),
        )
        if organise
        else None,
        "guest_form": form("guest-add", GuestForm) if organise else None,
        "agenda_form": form("agenda-add", lambda: AgendaItemForm(user=user)) if organise else None,
        "cancel_form": form("cancel", lambda: CancelForm(initial={"version": meeting.version}))
        if Move.CANCEL in moves
        else None,
        # A refused form the page does not show (a button, or a move the meeting's state no
        # longer offers) is told above the page's forms.
        "refusal": "" if key in shown else refusal(refused),
        "today": timezone.localdate(),
    }
    return render(request, "meetings/meeting_detail.html", context)


def _completion_forms(
    user: Any, items: list[ActionItem], form: Callable[[str, Callable[[], forms.BaseForm]], Any]
) -> list[forms.BaseForm | None]:
    """For each action item, the form to report it done, if the user may now."""
    may = completable(user, items)

    def fresh(item: ActionItem) -> Callable[[], forms.BaseForm]:
        return lambda: CompleteForm(initial={"version": item.version})

    return [form(f"complete-{i.pk}", fresh(i)) if i.pk in may else None for i in items]


def _post(key: str, **kwargs: Any) -> Callable[..., HttpResponse]:
    return meeting_post(key, page=_detail, then="detail", **kwargs)


meeting_cancel = _post(
    "cancel",
    form=lambda request, meeting, _kw: CancelForm(request.POST),
    perform=lambda user, meeting, data, _kw: services.meeting_cancel(
        actor=user, meeting=meeting, reason=data["reason"], expected_version=data["version"]
    ),
    done=_("The meeting is cancelled."),
)

participant_add = _post(
    "participant-add",
    form=lambda request, meeting, _kw: ParticipantForm(
        request.POST, candidates=selectors.participant_candidates(meeting)
    ),
    perform=lambda user, meeting, data, _kw: services.participant_add(
        actor=user, meeting=meeting, user=data["user"]
    ),
    done=_("Invited."),
)

participant_remove = _post(
    "participant-remove",
    form=lambda request, meeting, _kw: ParticipantRemoveForm(request.POST, meeting_id=meeting.pk),
    perform=lambda user, meeting, data, _kw: services.participant_remove(
        actor=user, meeting=meeting, participant=data["participant"]
    ),
    done=_("Removed from the meeting."),
)

guest_add = _post(
    "guest-add",
    form=lambda request, meeting, _kw: GuestForm(request.POST),
    perform=lambda user, meeting, data, _kw: services.guest_add(
        actor=user, meeting=meeting, data=services.GuestData(**data)
    ),
    done=_("Guest invited."),
)

guest_remove = _post(
    "guest-remove",
    form=lambda request, meeting, _kw: GuestRemoveForm(request.POST, meeting_id=meeting.pk),
    perform=lambda user, meeting, data, _kw: services.guest_remove(
        actor=user, meeting=meeting, guest=data["guest"]
    ),
    done=_("Guest removed."),
)

participant_rsvp = _post(
    "rsvp",
    form=lambda request, meeting, _kw: RsvpForm(request.POST),
    perform=lambda user, meeting, data, _kw: services.participant_rsvp(
        actor=user, meeting=meeting, answer=data["answer"]
    ),
    done=_("Your answer is saved."),
)

agenda_item_add = _post(
    "agenda-add",
    form=lambda request, meeting, _kw: AgendaItemForm(request.POST, user=portal_user(request)),
    perform=lambda user, meeting, data, _kw: services.agenda_item_add(
        actor=user,
        meeting=meeting,
        title=data["title"],
        case=data["case_number"],
        referral=data["referral_number"],
        notes=data["notes"],
    ),
    done=_("Added to the agenda."),
)

case_share = _post(
    "case-share",
    form=lambda request, meeting, _kw: forms.Form(request.POST),
    perform=lambda user, meeting, data, kw: services.case_share_for_meeting(
        actor=user,
        meeting=meeting,
        item=get_object_or_404(AgendaItem, pk=kw["item_pk"], meeting=meeting),
    ),
    done=_("The case is shared with the participants until the minutes are approved."),
)


def _complete(user: Any, meeting: Meeting, data: dict[str, Any], kw: dict[str, Any]) -> object:
    item = get_object_or_404(ActionItem, pk=kw["item_pk"], meeting=meeting)
    return services.action_item_complete(
        actor=user, item=item, note=data["note"], expected_version=data["version"]
    )


def action_item_complete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    # Keyed by its item: a refused report is shown at the item it was made on.
    view = meeting_post(
        f"complete-{item_pk}",
        form=lambda request, meeting, _kw: CompleteForm(request.POST),
        perform=_complete,
        done=_("Action item done."),
        page=_detail,
        then="detail",
    )
    return view(request, pk, item_pk=item_pk)
