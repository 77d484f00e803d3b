"""The minutes' editor and their approval."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.http import portal_user, post_move

from .. import selectors, services
from ..forms import MinutesForm, VersionForm, minutes_form
from ..models import Meeting
from ..permissions import Move, access_meeting, available_moves, may_write_minutes
from .common import meeting_post


def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    meeting = access_meeting(user, pk)
    form = minutes_form(meeting, request.POST or None)
    if request.method != "POST":
        return _minutes_page(request, meeting, ("minutes", form))
    return post_move(
        request,
        form=form,
        perform=lambda data: services.minutes_save(
            actor=user, meeting=meeting, data=form.to_data()
        ),
        done=_("Minutes saved."),
        then=reverse("meetings:minutes", kwargs={"pk": meeting.pk}),
        page=lambda bound: _minutes_page(request, meeting, ("minutes", bound)),
    )


def _minutes_page(
    request: HttpRequest, meeting: Meeting, bound: tuple[str, forms.BaseForm] | None = None
) -> HttpResponse:
    """The minutes' page: the editor while the organising agency may write them, else the
    minutes as approved; `bound` is the form as typed (the editor, or the approval)."""
    user = portal_user(request)
    key, given = bound if bound else ("", None)
    form = given if key == "minutes" else minutes_form(meeting)
    assert isinstance(form, MinutesForm)
    minutes = selectors.minutes_of(meeting)
    editable = may_write_minutes(user, meeting)
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "form": form,
        "formset": form.action_items,
        "action_items": selectors.action_items_of(meeting),
        "participants": form.participants,
        "guests": form.guests,
        "documents": selectors.meeting_documents(meeting),
        "editable": editable,
        "can_approve": editable
        and minutes is not None
        and Move.MINUTES_APPROVE in available_moves(user, meeting),
        "approve_form": given if key == "approve" else None,
    }
    return render(request, "meetings/minutes.html", context)


minutes_approve = meeting_post(
    "approve",
    form=lambda request, meeting, _kw: VersionForm(request.POST),
    perform=lambda user, meeting, data, _kw: services.minutes_approve(
        actor=user, meeting=meeting, expected_version=data["version"]
    ),
    done=gettext_lazy("The minutes are approved; the PDF is being generated."),
    page=_minutes_page,
    then="detail",
)
