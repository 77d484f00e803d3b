from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.cases.permissions import can_decide_intake


def intake(request: HttpRequest) -> dict[str, Any]:
    """Whether the navigation offers the intake queue."""
    user = request.user
    return {"can_decide_intake": user.is_authenticated and can_decide_intake(user)}  # type: ignore[arg-type]
