"""The lists, the calendar, a new meeting, its edit form and its calendar file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from portal.core.http import portal_user, post_move, report_error

from .. import selectors, services
from ..forms import CalendarForm, MeetingCreateForm, MeetingEditForm
from ..ics import meeting_ics, method_for
from ..models import Meeting
from ..permissions import (
    MOVES,
    Move,
    access_meeting,
    can_create,
    is_scheduled,
    organisers_only,
)


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


def meeting_create(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    if not can_create(user):
        messages.error(
            request, _("Only staff with a working role of a portal agency can organise meetings.")
        )
        return redirect("meetings:list")
    form = MeetingCreateForm(request.POST or None)
    # Not post_move: where it goes on depends on the meeting the service creates.
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                actor=user, data=form.to_data(), participants=form.cleaned_data["participants"]
            )
        except ApplicationError as error:
            report_error(request, error, form)
        else:
            messages.success(request, _("Meeting created: now propose times."))
            return redirect("meetings:poll", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form})


def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    meeting = access_meeting(user, pk)
    if not MOVES.role_allows(user, meeting, Move.UPDATE):
        messages.error(request, organisers_only(meeting))
        return redirect("meetings:detail", pk=meeting.pk)
    form = MeetingEditForm(request.POST or None, initial=_edit_initial(meeting))
    if request.method != "POST":
        return _edit_page(request, meeting, form)
    return post_move(
        request,
        form=form,
        perform=lambda data: services.meeting_update(
            actor=user,
            meeting=meeting,
            data=form.to_data(),
            starts_at=form.times()[0],
            ends_at=form.times()[1],
            expected_version=data["version"],
        ),
        done=_("Meeting saved."),
        then=reverse("meetings:detail", kwargs={"pk": meeting.pk}),
        page=lambda bound: _edit_page(request, meeting, bound),
    )


def _edit_initial(meeting: Meeting) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "kind": meeting.kind,
        "title": meeting.title,
        "description": meeting.description,
        "room": meeting.room_id,
        "video_link": meeting.video_link,
        "version": meeting.version,
    }
    if meeting.starts_at and meeting.ends_at:
        start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        initial.update(date=start.date(), start=start.time(), end=end.time())
    return initial


def _edit_page(request: HttpRequest, meeting: Meeting, form: Any) -> HttpResponse:
    # The time is moved on this form once the poll has fixed it.
    context = {"form": form, "meeting": meeting, "can_move_time": is_scheduled(meeting)}
    return render(request, "meetings/meeting_form.html", context)


def meeting_ics_download(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(portal_user(request), pk)
    if meeting.starts_at is None:
        messages.error(request, _("The time is not fixed yet."))
        return redirect("meetings:detail", pk=meeting.pk)
    response = HttpResponse(
        meeting_ics(meeting, method_for(meeting)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response
