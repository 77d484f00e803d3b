"""Meeting pages. Each view loads with access_meeting (404 for what is not yours), parses one
form, calls one service and redirects; one POST URL per move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.errors import ApplicationError
from portal.core.http import portal_user, report_error

from . import selectors, services
from .forms import (
    ActionItemFormSet,
    AgendaItemForm,
    CalendarForm,
    CancelForm,
    CompleteForm,
    FixSlotForm,
    GuestForm,
    GuestRemoveForm,
    MeetingCreateForm,
    MeetingEditForm,
    MinutesForm,
    ParticipantForm,
    ParticipantRemoveForm,
    RsvpForm,
    SlotForm,
    VoteForm,
    minutes_initial,
)
from .ics import meeting_ics
from .models import ActionItem, AgendaItem, Meeting, MeetingStatus
from .permissions import (
    access_meeting,
    can_approve,
    can_complete,
    can_create,
    can_organise,
    participant_of,
)


def _refuse_form(request: HttpRequest, form: forms.BaseForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def _act(
    request: HttpRequest,
    meeting: Meeting,
    form: forms.BaseForm,
    action: Callable[[], object],
    success: str,
    to: str = "meetings:detail",
) -> HttpResponse:
    """The shape of every small POST: a valid form, one service, a message, back."""
    if not form.is_valid():
        _refuse_form(request, form)
    else:
        try:
            action()
        except ApplicationError as error:
            report_error(request, error)
        else:
            messages.success(request, success)
    return redirect(to, pk=meeting.pk)


# --- lists ---------------------------------------------------------------------------------------


def meeting_list(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    context = {"mine": selectors.my_meetings(user), "can_create": can_create(user)}
    return render(request, "meetings/meeting_list.html", context)


def meeting_calendar(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or "week"
    day = data.get("date") or timezone.localdate()
    weeks = selectors.calendar_for(portal_user(request), day=day, view=view)
    context = {"weeks": weeks, "view": view, "day": day, **selectors.calendar_steps(day, view)}
    return render(request, "meetings/calendar.html", context)


# --- one meeting -----------------------------------------------------------------------------------


def meeting_create(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    if not can_create(user):
        messages.error(
            request, _("Only staff with a working role of a portal agency can organise meetings.")
        )
        return redirect("meetings:list")
    form = MeetingCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                actor=user, data=form.to_data(), participants=form.cleaned_data["participants"]
            )
        except ApplicationError as error:
            if error.field is None:
                report_error(request, error)
                return redirect("meetings:list")
            report_error(request, error, form)
        else:
            messages.success(request, _("Meeting created: now propose times."))
            return redirect("meetings:poll", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form})


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    meeting = access_meeting(user, pk)
    organise = can_organise(user, meeting) and meeting.is_open
    me = participant_of(user, meeting)
    agenda = selectors.agenda_for(meeting, user)
    items = selectors.action_items_of(meeting)
    for row in agenda:
        row.can_share = organise and row.case_visible and not row.shared
    context = {
        "meeting": meeting,
        "me": me,
        "participants": selectors.participants_of(meeting),
        "guests": list(meeting.guests.all()),
        "agenda": agenda,
        "minutes": selectors.minutes_of(meeting),
        "action_items": items,
        "documents": selectors.meeting_documents(meeting),
        "history": selectors.meeting_history(meeting)[:100],
        "can_organise": organise,
        "can_rsvp": me is not None and meeting.status == MeetingStatus.SCHEDULED,
        "can_complete_ids": {
            item.pk
            for item in items
            if meeting.status == MeetingStatus.CLOSED and can_complete(user, item)
        },
        "rsvp_form": RsvpForm(initial={"answer": me.rsvp} if me else None),
        "participant_form": ParticipantForm(candidates=selectors.participant_candidates(meeting))
        if organise
        else None,
        "guest_form": GuestForm() if organise else None,
        "agenda_form": AgendaItemForm(user=user) if organise else None,
        "cancel_form": CancelForm() if organise else None,
        "complete_form": CompleteForm(),
        "today": timezone.localdate(),
    }
    return render(request, "meetings/meeting_detail.html", context)


def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    meeting = access_meeting(user, pk)
    if not can_organise(user, meeting):
        messages.error(
            request,
            _("Only staff of the organising agency (%(agency)s) can do this.")
            % {"agency": meeting.organiser_agency.short_name},
        )
        return redirect("meetings:detail", pk=meeting.pk)
    initial: dict[str, object] = {
        "kind": meeting.kind,
        "title": meeting.title,
        "description": meeting.description,
        "room": meeting.room_id,
        "video_link": meeting.video_link,
    }
    if meeting.starts_at and meeting.ends_at:
        start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        initial.update(date=start.date(), start=start.time(), end=end.time())
    form = MeetingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        try:
            services.meeting_update(
                actor=user,
                meeting=meeting,
                data=form.to_data(),
                starts_at=starts_at,
                ends_at=ends_at,
            )
        except ApplicationError as error:
            if error.field is None:  # refused, not a mistake in the form
                report_error(request, error)
                return redirect("meetings:detail", pk=meeting.pk)
            report_error(request, error, form)
        else:
            messages.success(request, _("Meeting saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = CancelForm(request.POST)
    return _act(
        request,
        meeting,
        form,
        lambda: services.meeting_cancel(
            actor=portal_user(request), meeting=meeting, reason=form.cleaned_data["reason"]
        ),
        _("The meeting is cancelled."),
    )


def meeting_ics_download(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    if meeting.starts_at is None:
        messages.error(request, _("The time is not fixed yet."))
        return redirect("meetings:detail", pk=meeting.pk)
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    response = HttpResponse(
        meeting_ics(meeting, method), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


# --- participants and guests -------------------------------------------------------------------------


@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = ParticipantForm(request.POST, candidates=selectors.participant_candidates(meeting))
    return _act(
        request,
        meeting,
        form,
        lambda: services.participant_add(
            actor=portal_user(request), meeting=meeting, user=form.cleaned_data["user"]
        ),
        _("Invited."),
    )


@require_POST
def participant_remove(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = ParticipantRemoveForm(request.POST, meeting_id=meeting.pk)
    return _act(
        request,
        meeting,
        form,
        lambda: services.participant_remove(
            actor=portal_user(request),
            meeting=meeting,
            participant=form.cleaned_data["participant"],
        ),
        _("Removed from the meeting."),
    )


@require_POST
def guest_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = GuestForm(request.POST)
    return _act(
        request,
        meeting,
        form,
        lambda: services.guest_add(
            actor=portal_user(request), meeting=meeting, data=form.to_data()
        ),
        _("Guest invited."),
    )


@require_POST
def guest_remove(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = GuestRemoveForm(request.POST, meeting_id=meeting.pk)
    return _act(
        request,
        meeting,
        form,
        lambda: services.guest_remove(
            actor=portal_user(request), meeting=meeting, guest=form.cleaned_data["guest"]
        ),
        _("Guest removed."),
    )


# --- finding a time ------------------------------------------------------------------------------------


def meeting_poll(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    meeting = access_meeting(user, pk)
    rows = selectors.poll_for(meeting, user)
    me = participant_of(user, meeting)
    polling = meeting.status == MeetingStatus.PLANNING
    organise = can_organise(user, meeting) and polling
    context = {
        "meeting": meeting,
        "rows": rows,
        "polling": polling,
        "can_vote": me is not None and polling and bool(rows),
        "can_organise": organise,
        "slot_form": SlotForm() if organise else None,
        "participant_count": len(selectors.participants_of(meeting)),
    }
    return render(request, "meetings/poll.html", context)


@require_POST
def slot_propose(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = SlotForm(request.POST)

    def propose() -> object:
        starts_at, ends_at = form.times()
        return services.slot_propose(
            actor=portal_user(request), meeting=meeting, starts_at=starts_at, ends_at=ends_at
        )

    return _act(request, meeting, form, propose, _("Time proposed."), to="meetings:poll")


@require_POST
def slot_vote(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = VoteForm(request.POST, slots=meeting.slots.all())
    return _act(
        request,
        meeting,
        form,
        lambda: services.slot_vote(
            actor=portal_user(request), meeting=meeting, answers=form.answers()
        ),
        _("Your answers are saved."),
        to="meetings:poll",
    )


@require_POST
def meeting_fix_slot(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = FixSlotForm(request.POST, slots=meeting.slots.all())
    if not form.is_valid() or not _fix(request, meeting, form):
        return redirect("meetings:poll", pk=meeting.pk)
    messages.success(request, _("The time is fixed and the invitations are sent."))
    return redirect("meetings:detail", pk=meeting.pk)


def _fix(request: HttpRequest, meeting: Meeting, form: FixSlotForm) -> bool:
    try:
        services.meeting_fix_slot(
            actor=portal_user(request), meeting=meeting, slot=form.cleaned_data["slot"]
        )
    except ApplicationError as error:
        report_error(request, error)
        return False
    return True


@require_POST
def participant_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = RsvpForm(request.POST)
    return _act(
        request,
        meeting,
        form,
        lambda: services.participant_rsvp(
            actor=portal_user(request), meeting=meeting, answer=form.cleaned_data["answer"]
        ),
        _("Your answer is saved."),
    )


# --- agenda ------------------------------------------------------------------------------------------


@require_POST
def agenda_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    form = AgendaItemForm(request.POST, user=portal_user(request))
    return _act(
        request,
        meeting,
        form,
        lambda: services.agenda_item_add(
            actor=portal_user(request),
            meeting=meeting,
            title=form.cleaned_data["title"],
            case=form.cleaned_data["case_number"],
            referral=form.cleaned_data["referral_number"],
            notes=form.cleaned_data["notes"],
        ),
        _("Added to the agenda."),
    )


@require_POST
def case_share(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    return _act(
        request,
        meeting,
        forms.Form(request.POST),
        lambda: services.case_share_for_meeting(
            actor=portal_user(request), meeting=meeting, item=item
        ),
        _("The case is shared with the participants until the minutes are approved."),
    )


# --- minutes -------------------------------------------------------------------------------------------


def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    meeting = access_meeting(user, pk)
    participants = selectors.participants_of(meeting)
    guests = list(meeting.guests.all())
    agenda = list(meeting.agenda_items.all())
    minutes = selectors.minutes_of(meeting)
    parts: dict[str, Any] = {"participants": participants, "guests": guests, "agenda": agenda}
    items = selectors.action_items_of(meeting)
    form = MinutesForm(
        request.POST or None, initial=minutes_initial(participants, guests, minutes), **parts
    )
    formset = ActionItemFormSet(
        request.POST or None,
        prefix="action",
        initial=[
            {
                "description": i.description,
                "owner_agency": i.owner_agency_id,
                "owner_user": i.owner_user_id,
                "due_on": i.due_on,
            }
            for i in items
        ],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.minutes_save(actor=user, meeting=meeting, data=form.to_data(formset))
        except ApplicationError as error:
            if error.field is None:  # refused, not a mistake in the form
                report_error(request, error)
                return redirect("meetings:minutes", pk=meeting.pk)
            report_error(request, error, form)
        else:
            messages.success(request, _("Minutes saved."))
            return redirect("meetings:minutes", pk=meeting.pk)
    editable = can_organise(user, meeting) and meeting.status == MeetingStatus.SCHEDULED
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "form": form,
        "formset": formset,
        "action_items": items,
        "participants": participants,
        "guests": guests,
        "documents": selectors.meeting_documents(meeting),
        "editable": editable,
        "can_approve": editable and minutes is not None and can_approve(user, meeting),
    }
    return render(request, "meetings/minutes.html", context)


@require_POST
def minutes_approve(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    return _act(
        request,
        meeting,
        forms.Form(request.POST),
        lambda: services.minutes_approve(actor=portal_user(request), meeting=meeting),
        _("The minutes are approved; the PDF is being generated."),
    )


@require_POST
def action_item_complete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    item = get_object_or_404(ActionItem, pk=item_pk, meeting=meeting)
    form = CompleteForm(request.POST)
    return _act(
        request,
        meeting,
        form,
        lambda: services.action_item_complete(
            actor=portal_user(request), item=item, note=form.cleaned_data["note"]
        ),
        _("Action item done."),
    )
