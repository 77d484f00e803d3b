"""What the public pages share: no login, nothing cached, the kiosk shell's settings, the 429
page; the error summary is portal.core.forms.error_summary, shared with the staff pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from ..abuse import UNAVAILABLE, Limited
from ..drafts import is_terminal


def public(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page anyone may open: exempt from the login requirement, and never cached (the back
    button of a shared screen must not bring back someone's answers). Its URLs (draft tokens,
    tracking numbers) are not sent to other sites as referrers; "no-referrer" would make the
    browser send "Origin: null" with forms, which CSRF checking rightly refuses."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return login_not_required(never_cache(wrapped))


def kiosk_render(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    terminal = is_terminal(request)
    shell = {
        "kiosk_terminal": terminal,
        "idle_seconds": settings.KIOSK_IDLE_SECONDS if terminal else 0,
        "countdown_seconds": settings.KIOSK_IDLE_COUNTDOWN_SECONDS,
    }
    return render(request, template, {**shell, **(context or {})}, status=status)


def too_many(request: HttpRequest, limited: Limited) -> HttpResponse:
    """429 with when to come back; 503 when the limits could not be counted (try again)."""
    status = 503 if limited.rule == UNAVAILABLE else 429
    response = kiosk_render(request, "kiosk/limited.html", {"limited": limited}, status=status)
    response["Retry-After"] = str(max(1, limited.retry_after))
    return response
