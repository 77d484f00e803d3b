from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.core.http import portal_user

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home/home.html", selectors.work_list_for(portal_user(request)))
