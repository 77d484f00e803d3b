from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from .deadlines import calendar_missing_years
from .models import Role
from .notifications import unread_count
from .roles import STAFF_ROLES, user_roles


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the shell needs on every page: the agency, roles, unread count, calendar warning."""
    user = request.user
    if not user.is_authenticated:
        return {"current_agency": None, "current_roles": frozenset()}
    roles = user_roles(user)  # type: ignore[arg-type]
    is_admin = Role.AGENCY_ADMIN in roles
    return {
        "current_agency": user.agency,  # type: ignore[union-attr]
        "current_roles": roles,
        "is_agency_admin": is_admin,
        # Whole personal numbers in free text (messages, minutes, agendas, facts) are for those
        # who work cases; the read-only leader reads them masked (templatetags `personal_numbers`).
        "works_cases": bool(roles & STAFF_ROLES),
        "unread_notifications": unread_count(user),  # type: ignore[arg-type]
        # Every year an open deadline falls in that nobody has entered (and, from November,
        # next year): "2027" or "2027、2028".
        "calendar_missing_year": (
            "、".join(str(year) for year in calendar_missing_years(timezone.localdate()))
            if is_admin
            else ""
        ),
    }
