"""What views share: the signed-in user, a service's ApplicationError as a message the user
reads, and the POST of a move."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

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


# The largest primary key either database stores (a signed 64-bit integer): a longer number
# typed into an address is no object, and int() of it must not reach the database driver.
_MAX_ID_DIGITS = 18
_ASCII_DIGITS = re.compile(r"[0-9]+")


def parse_id(value: object) -> int | None:
    """The number in `value` if it is one an object can have (ASCII digits that fit a primary
    key), else None: `"²".isdigit()` is true and int() of it fails, a 25-digit number
    overflows the driver."""
    text = "" if value is None else str(value).strip()
    if len(text) > _MAX_ID_DIGITS or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


def parse_ids(values: Iterable[object]) -> list[int]:
    """The object numbers among `values`, what is no such number left out."""
    return [number for number in map(parse_id, values) if number is not None]


def local_target(request: HttpRequest, target: str) -> str | None:
    """`target` if it is an address on this site ("/…"), else None: another site's address
    would be an open redirect, and a bare word would be taken for a view's name by redirect()."""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return None


def portal_user(request: HttpRequest) -> User:
    """The signed-in user of a portal page: LoginRequiredMiddleware has already sent anyone
    else to the login page, so the type narrows safely here and not in every view."""
    return request.user  # type: ignore[return-value]


def post_move(
    request: HttpRequest,
    *,
    form: forms.Form,
    perform: Callable[[dict[str, Any]], object],
    done: str,
    then: str,
    page: Callable[[forms.Form], HttpResponse],
) -> HttpResponse:
    """The POST of one move, for every flow: a valid form calls the service and redirects to
    `then` with `done`; a form that does not validate, or a move the service refuses, shows
    the page again (`page(form)`) with the message next to the form and what was typed in it.
    The service's transaction has rolled back by then, so nothing is half-saved."""
    if form.is_valid():
        try:
            perform(form.cleaned_data)
        except ApplicationError as error:
            report_error(request, error, form)
        else:
            messages.success(request, done)
            return redirect(then)
    return page(form)


def stored_file_response(
    stored: FieldFile, *, stem: str, content_type: str | None = None
) -> FileResponse:
    """A stored upload or document as a download named `stem` plus the extension of the saved
    name, which carries the checked type whatever the uploader called the file ("photo.html"
    holding a PNG must not come back as an .html file); the browser may not sniff it."""
    suffix = PurePosixPath(stored.name or "").suffix
    response = FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"{stem}{suffix}",
        content_type=content_type
        or mimetypes.guess_type(f"x{suffix}")[0]
        or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
