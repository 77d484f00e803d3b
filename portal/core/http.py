"""What views share: turning a service's ApplicationError into a message the user reads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from .errors import ApplicationError
from .models import User


def report_error(
    request: HttpRequest, error: ApplicationError, form: forms.Form | None = None
) -> None:
    """Attach the error to the form field at fault when there is one, else to the page."""
    if form is not None:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
    else:
        messages.error(request, error.message)


def portal_user(request: HttpRequest) -> User:
    """The signed-in user of a portal page: LoginRequiredMiddleware has already sent anyone
    else to the login page, so the type narrows safely here and not in every view."""
    return request.user  # type: ignore[return-value]
