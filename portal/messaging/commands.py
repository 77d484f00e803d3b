"""The socket's writing commands: the service each one calls, with the person as the database
has them now (each service authorises them itself)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from portal.core.http import parse_id

from . import services
from .models import Conversation


def _pk(obj: Any) -> int:
    return int(obj.pk)


# The client's writing commands and the service each one calls (the answer: the message's id).
SERVICE_COMMANDS: dict[str, Any] = {
    "send": lambda user, **kw: _pk(services.message_send(actor=user, **kw)),
    "edit": lambda user, **kw: _pk(services.message_edit(actor=user, **kw)),
    "delete": lambda user, **kw: _pk(services.message_delete(actor=user, **kw)),
    "read": lambda user, **kw: services.conversation_mark_read(actor=user, **kw) and None,
    "ack": lambda user, **kw: services.message_acknowledge(actor=user, **kw) and None,
}


def conversation_or_404(pk: int) -> Conversation:
    try:
        return Conversation.objects.get(pk=pk)
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def fresh_user(user: Any) -> Any:
    """The user as the database has them now: the scope's copy keeps a membership that may
    have ended since the socket opened."""
    from portal.core.models import User

    return User.objects.select_related("membership__agency").get(pk=user.pk)


def frame_id(value: object) -> int:
    """An id sent in a client's frame, or TypeError/ValueError (the frame is malformed)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError("an id must be a number")
    number = parse_id(value)
    if number is None:  # not a number an object can have ("²", 10**30, -1)
        raise ValueError("an id must be a number")
    return number
