"""The messaging socket: one per page, multiplexing the conversations it has joined.

The consumer authenticates from the scope, authorises each join with the conversation's
`access_*` rule, relays, and hands every client command to a service: it writes nothing itself.
Access is checked again before each relayed event, so a person whose access ends (a referral
returned, a co-handling revoked, leaving the agency) stops receiving with the next event."""

from __future__ import annotations

import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from portal.core.errors import ApplicationError

from . import services
from .live import watch_group
from .permissions import access_conversation
from .realtime import conversation_group
from .selectors import message_payload, messages_after

MAX_FRAME_BYTES = 16 * 1024
# A person types a few messages a minute; a burst of 20 covers pasting, 5 a second refills.
BUCKET_CAPACITY = 20.0
BUCKET_REFILL_PER_SECOND = 5.0


class TokenBucket:
    """Per-connection throttle: one flooding socket is refused without slowing the others."""

    def __init__(self, capacity: float, refill_per_second: float) -> None:
        self.capacity = capacity
        self.refill = refill_per_second
        self.tokens = capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.refill)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class MessagingConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        self.joined: set[int] = set()
        self.watched: dict[str, str] = {}  # group → the path of the page watching it
        self.bucket = TokenBucket(BUCKET_CAPACITY, BUCKET_REFILL_PER_SECOND)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in list(getattr(self, "watched", ())):
            await self.channel_layer.group_discard(group, self.channel_name)
        for conversation_id in list(getattr(self, "joined", ())):
            await self._presence(conversation_id, "offline")
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.bucket.take():
            await self._error("rate_limited")
            return
        if text_data is None or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self._error("frame_too_large" if text_data else "text_frames_only")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("malformed")
            return
        if not isinstance(content, dict):
            await self._error("malformed")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        handler = self.COMMANDS.get(str(content.get("type")))
        if handler is None:
            await self._error("unknown_type")
            return
        try:
            await handler(self, content)
        except Http404:
            await self._error("not_found")
        except ApplicationError as exc:
            await self._error("refused", detail=str(exc.message))
        except (KeyError, TypeError, ValueError):
            await self._error("malformed")

    # --- commands -------------------------------------------------------------------------

    async def _join(self, content: dict[str, Any]) -> None:
        conversation_id = _int(content["conversation"])
        after = _int(content.get("after", 0))
        if not await self._may_see(conversation_id):
            raise Http404
        if conversation_id not in self.joined:
            await self.channel_layer.group_add(
                conversation_group(conversation_id), self.channel_name
            )
            self.joined.add(conversation_id)
            await self._presence(conversation_id, "online")
        # Joined first, then the backlog: a message sent in between arrives twice at worst
        # (clients drop ids they hold), never zero times. Events wait while this runs.
        missed = await self._catch_up(conversation_id, after)
        await self.send_json({"type": "joined", "conversation": conversation_id})
        for payload in missed:
            await self.send_json({"type": "message.new", **payload})
        last = missed[-1]["id"] if missed else after
        await self.send_json({"type": "caught_up", "conversation": conversation_id, "last": last})

    async def _leave(self, content: dict[str, Any]) -> None:
        conversation_id = _int(content["conversation"])
        self.joined.discard(conversation_id)
        await self.channel_layer.group_discard(
            conversation_group(conversation_id), self.channel_name
        )
        await self.send_json({"type": "left", "conversation": conversation_id})

    async def _send(self, content: dict[str, Any]) -> None:
        mentions = content.get("mentions") or {}
        message_id = await self._call(
            "send",
            conversation=_int(content["conversation"]),
            body=str(content["body"]),
            reply_to_id=_int(content["reply_to"]) if content.get("reply_to") else None,
            mention_user_ids=[_int(pk) for pk in mentions.get("users", [])],
            mention_agency_codes=[str(code) for code in mentions.get("agencies", [])],
            ack_requested=bool(content.get("ack_requested", False)),
        )
        await self.send_json(
            {"type": "sent", "id": message_id, "client_id": content.get("client_id")}
        )

    async def _edit(self, content: dict[str, Any]) -> None:
        await self._call("edit", message_id=_int(content["message"]), body=str(content["body"]))

    async def _delete(self, content: dict[str, Any]) -> None:
        await self._call("delete", message_id=_int(content["message"]))

    async def _read(self, content: dict[str, Any]) -> None:
        await self._call(
            "read", conversation=_int(content["conversation"]), up_to=_int(content["up_to"])
        )

    async def _ack(self, content: dict[str, Any]) -> None:
        await self._call("ack", message_id=_int(content["message"]))

    async def _typing(self, content: dict[str, Any]) -> None:
        conversation_id = _int(content["conversation"])
        if conversation_id not in self.joined:
            raise Http404
        await self.channel_layer.group_send(
            conversation_group(conversation_id),
            {
                "type": "conversation.event",
                "conversation": conversation_id,
                "event": {"type": "typing", "user": self.user.pk},
                "sender": self.channel_name,
            },
        )

    async def _watch(self, content: dict[str, Any]) -> None:
        group = await self._watch_group(str(content["path"]))
        self.watched[group] = str(content["path"])
        await self.channel_layer.group_add(group, self.channel_name)
        await self.send_json({"type": "watching", "path": content["path"]})

    COMMANDS = {
        "join": _join,
        "leave": _leave,
        "send": _send,
        "edit": _edit,
        "delete": _delete,
        "read": _read,
        "ack": _ack,
        "typing": _typing,
        "watch": _watch,
    }

    # --- relay ----------------------------------------------------------------------------

    async def conversation_event(self, event: dict[str, Any]) -> None:
        conversation_id = event["conversation"]
        if conversation_id not in self.joined or event.get("sender") == self.channel_name:
            return
        if not await self._may_see(conversation_id):
            self.joined.discard(conversation_id)
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )
            await self.send_json({"type": "revoked", "conversation": conversation_id})
            return
        await self.send_json({**event["event"], "conversation": conversation_id})

    async def live_changed(self, event: dict[str, Any]) -> None:
        """A watched object changed; the page reloads its content (through its own access
        check), so only the fact and the new status travel here."""
        path = self.watched.get(event["group"])
        if path is None:
            return
        try:
            await self._watch_group(path)  # access may have ended since the page opened
        except Http404:
            del self.watched[event["group"]]
            await self.channel_layer.group_discard(event["group"], self.channel_name)
            return
        await self.send_json({"type": "changed", "status": event["status"]})

    # --- helpers --------------------------------------------------------------------------

    async def _presence(self, conversation_id: int, state: str) -> None:
        await self.channel_layer.group_send(
            conversation_group(conversation_id),
            {
                "type": "conversation.event",
                "conversation": conversation_id,
                "event": {"type": "presence", "user": self.user.pk, "state": state},
                "sender": self.channel_name,
            },
        )

    async def _error(self, error: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "error": error, **extra})

    @database_sync_to_async
    def _watch_group(self, path: str) -> str:
        return watch_group(_fresh(self.user), path)

    @database_sync_to_async
    def _may_see(self, conversation_id: int) -> bool:
        user = _fresh(self.user)
        try:
            access_conversation(user, conversation_id)
        except Http404:
            return False
        return True

    @database_sync_to_async
    def _catch_up(self, conversation_id: int, after: int) -> list[dict[str, Any]]:
        user = _fresh(self.user)
        conversation = access_conversation(user, conversation_id)
        messages = messages_after(user=user, conversation=conversation, after_id=after)
        return [message_payload(message) for message in messages]

    @database_sync_to_async
    def _call(self, command: str, **kwargs: Any) -> int | None:
        user = _fresh(self.user)
        if "conversation" in kwargs:
            kwargs["conversation"] = access_conversation(user, kwargs["conversation"])
        if command == "send":
            return services.message_send(actor=user, **kwargs).pk
        if command == "edit":
            return services.message_edit(actor=user, **kwargs).pk
        if command == "delete":
            return services.message_delete(actor=user, **kwargs).pk
        if command == "read":
            services.conversation_mark_read(actor=user, **kwargs)
            return None
        services.message_acknowledge(actor=user, **kwargs)
        return None


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError("an id must be a number")
    return int(value)


def _fresh(user: Any) -> Any:
    """The user as the database has them now: the scope's copy keeps a membership that may
    have ended since the socket opened."""
    from portal.core.models import User

    return User.objects.select_related("membership__agency").get(pk=user.pk)
