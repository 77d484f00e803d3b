from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home/home.html", selectors.work_list_for(request.user))  # type: ignore[arg-type]
