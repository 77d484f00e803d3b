from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.admin.options import TO_FIELD_VAR
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from . import request_context
from .storage import FileNotStored, discard_uncommitted

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the proxy's X-Forwarded-For entry when we run behind our own proxy."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives each request an id (kept from a sane X-Request-ID) and binds it for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_context.bind(
            request_context.RequestContext(request_id=request_id, ip_address=client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.unbind(token)
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response the portal makes: its pages show a
    person's cases, a kiosk visit's draft or receipt, and its downloads are evidence and
    documents; none may stay in a shared cache or a browser's cache on a shared computer.
    Static files are answered before this (WhiteNoise), with their own long caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response


class StorageFaultMiddleware:
    """A file that could not be stored (a full disk) answers in the user's language, not with
    the error page; files saved in a transaction that rolled back are removed once the request
    is over (portal.core.storage)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            discard_uncommitted()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, FileNotStored):
            return None
        return render(
            request, "file_not_stored.html", {"message": FileNotStored.message()}, status=507
        )


class AdminEmptyToFieldMiddleware:
    """An empty `_to_field` is dropped before Django's admin reads it: the admin takes it for a
    field's name and answers 500 (FieldDoesNotExist) instead of ignoring it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            for method in ("GET", "POST"):
                data = getattr(request, method)
                if data.get(TO_FIELD_VAR) == "":
                    data = data.copy()
                    del data[TO_FIELD_VAR]
                    setattr(request, method, data)
        return self.get_response(request)
