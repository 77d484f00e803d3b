"""What the meeting pages share: the POST of one form on a meeting, and the refusal of a
form that its page does not show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.views.decorators.http import require_POST

from portal.core.http import portal_user, post_move
from portal.core.models import User

from ..models import Meeting
from ..permissions import access_meeting

# The page a refused form is shown on again: (request, meeting, (form's key, bound form)).
Page = Callable[[HttpRequest, Meeting, tuple[str, forms.BaseForm]], HttpResponse]
MakeForm = Callable[[HttpRequest, Meeting, dict[str, Any]], forms.BaseForm]
Perform = Callable[[User, Meeting, dict[str, Any], dict[str, Any]], object]


def meeting_post(
    key: str, *, form: MakeForm, perform: Perform, done: Promise, page: Page, then: str
) -> Callable[..., HttpResponse]:
    """The view of one POST on a meeting: `form` parses it, `perform` calls the service with
    the cleaned data (and the URL's other arguments); done, back to the `then` page, refused,
    `page` is shown again with the form as typed (its key tells the page which form it is)."""

    @require_POST
    def view(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        user = portal_user(request)
        meeting = access_meeting(user, pk)
        return post_move(
            request,
            form=form(request, meeting, kwargs),  # type: ignore[arg-type]
            perform=lambda data: perform(user, meeting, data, kwargs),
            done=str(done),
            then=reverse(f"meetings:{then}", kwargs={"pk": meeting.pk}),
            page=lambda bound: page(request, access_meeting(user, pk), (key, bound)),
        )

    view.__name__ = key.replace("-", "_")
    return view


def refusal(form: forms.BaseForm | None) -> str:
    """The errors of a refused form, told above the page's forms when its own is not shown."""
    if form is None:
        return ""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
