"""The messaging socket: one per page, multiplexing the conversations it has joined.

The consumer authenticates from the scope, authorises each join with the conversation's
`access_*` rule, relays, and hands every client command to a service: it writes nothing itself.

Relaying touches no database: the answer to "may this person be in it?" is decided at join and
kept by the socket. Whatever can end it (a referral returned, a co-handling revoked, leaving the
agency, a deactivated account) pushes `access.changed` after its commit
(portal.messaging.receivers); the socket asks again at once and sends `revoked` for what it
lost. An answer older than ACCESS_RECHECK_SECONDS is asked again before the next relay, for a
change made by a path that pushes nothing.

How its database work runs (a pool of send threads, one conversation's sends in order, no
stale-connection sweep before every relay): portal.messaging.runtime. A send's broadcast is
made by the socket from the event loop after the service returned (its transaction committed).

Presence: a joining socket reads who else is there from the conversation's roster
(portal.messaging.presence) and tells only itself; the others hear one "online".

The list of conversations (`watch` of `/messaging/`) follows every conversation the reader may
see and hears only that one changed, so its unread counts can be fetched again."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from portal.core.errors import ApplicationError

from . import presence
from .access import may_see_now
from .commands import SERVICE_COMMANDS, conversation_or_404, frame_id, fresh_user
from .live import changes_unread, lists_conversations, watch_group
from .permissions import may_write
from .realtime import Broadcast, access_group, broadcasts_held, conversation_group
from .runtime import DirectDispatch, TokenBucket, on_send_pool, quietly, send_lock
from .selectors import (
    CATCH_UP_LIMIT,
    conversation_ids_followed,
    message_payload,
    messages_after,
    payload_for_reader,
)

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 16 * 1024
# A person types a few messages a minute; a burst of 20 covers pasting, 5 a second refills.
BUCKET_CAPACITY = 20.0
BUCKET_REFILL_PER_SECOND = 5.0
# The backstop: an access answer this old is asked again before the next relay.
ACCESS_RECHECK_SECONDS = 60.0


class MessagingConsumer(DirectDispatch, AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        self.joined: set[int] = set()
        self.followed: set[int] = set()  # conversations a list page hears of, without joining
        self.watched: dict[str, str] = {}  # group → the path of the page watching it
        # conversation → when this socket last learnt (from the database) that its person may
        # be in it; only joined or followed conversations are here
        self.allowed_at: dict[int, float] = {}
        # Presence is per socket: one of a person's two tabs closing leaves them online.
        self.presence_id = uuid.uuid4().hex[:12]
        self.bucket = TokenBucket(BUCKET_CAPACITY, BUCKET_REFILL_PER_SECOND)
        self.writes = await database_sync_to_async(may_write)(user)  # else: numbers masked
        await self.channel_layer.group_add(access_group(user.pk), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        # Each step on its own: with Redis away, one failing must not skip the rest.
        user = getattr(self, "user", None)
        if user is not None:
            await quietly(
                self.channel_layer.group_discard(access_group(user.pk), self.channel_name)
            )
        for group in list(getattr(self, "watched", ())):
            await quietly(self.channel_layer.group_discard(group, self.channel_name))
        for conversation_id in list(getattr(self, "followed", ())):
            if conversation_id not in self.joined:
                group = conversation_group(conversation_id)
                await quietly(self.channel_layer.group_discard(group, self.channel_name))
        for conversation_id in list(getattr(self, "joined", ())):
            await quietly(self._depart(conversation_id))
            group = conversation_group(conversation_id)
            await quietly(self.channel_layer.group_discard(group, self.channel_name))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Closed, dropped, or failed (1011, no disconnect): stop confirming its presence.
            presence.forget(getattr(self, "presence_id", ""))

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
        conversation_id = frame_id(content["conversation"])
        after = frame_id(content.get("after", 0))
        group = conversation_group(conversation_id)
        listening = conversation_id in self.joined or conversation_id in self.followed
        # In the group before access is checked: a revocation committed after the check pushes
        # to the group, and its event waits for this join to end, then is heard. In the group
        # first, then the backlog: a message sent in between arrives twice at worst (clients
        # drop ids they hold), never zero times.
        if not listening:
            await self.channel_layer.group_add(group, self.channel_name)
        asked_at = time.monotonic()
        try:
            missed = await self._catch_up(conversation_id, after)
        except Http404:
            if not listening:
                await self.channel_layer.group_discard(group, self.channel_name)
            raise
        self.allowed_at[conversation_id] = asked_at
        here: dict[str, dict[str, Any]] = {}
        if conversation_id not in self.joined:
            self.joined.add(conversation_id)
            here = await self._arrive(conversation_id)
        await self.send_json({"type": "joined", "conversation": conversation_id})
        for payload in missed:
            await self.send_json({"type": "message.new", **payload})
        last = missed[-1]["id"] if missed else after
        # A full page: the client joins again after `last` until `more` is false.
        more = len(missed) >= CATCH_UP_LIMIT
        await self.send_json(
            {"type": "caught_up", "conversation": conversation_id, "last": last, "more": more}
        )
        for socket, entry in here.items():  # who was already here, from the roster
            await self.send_json(
                {
                    "type": "presence",
                    "user": entry["user"],
                    "name": entry["name"],
                    "state": "here",
                    "socket": socket,
                    "conversation": conversation_id,
                }
            )

    async def _leave(self, content: dict[str, Any]) -> None:
        conversation_id = frame_id(content["conversation"])
        if conversation_id in self.joined:
            await self._depart(conversation_id)
        self.joined.discard(conversation_id)
        if conversation_id not in self.followed:
            self.allowed_at.pop(conversation_id, None)
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )
        await self.send_json({"type": "left", "conversation": conversation_id})

    async def _send(self, content: dict[str, Any]) -> None:
        mentions = content.get("mentions") or {}
        conversation_id = frame_id(content["conversation"])
        # One send per conversation at a time from this process: stored and broadcast in order.
        async with send_lock(conversation_id):
            message_id = await self._send_stored(conversation_id, content, mentions)
        await self.send_json(
            {"type": "sent", "id": message_id, "client_id": content.get("client_id")}
        )

    async def _send_stored(
        self, conversation_id: int, content: dict[str, Any], mentions: dict[str, Any]
    ) -> int | None:
        return await self._call(
            "send",
            conversation=conversation_id,
            body=str(content["body"]),
            reply_to_id=frame_id(content["reply_to"]) if content.get("reply_to") else None,
            mention_user_ids=[frame_id(pk) for pk in mentions.get("users", [])],
            mention_agency_codes=[str(code) for code in mentions.get("agencies", [])],
            ack_requested=bool(content.get("ack_requested", False)),
        )

    async def _edit(self, content: dict[str, Any]) -> None:
        await self._call("edit", message_id=frame_id(content["message"]), body=str(content["body"]))

    async def _delete(self, content: dict[str, Any]) -> None:
        await self._call("delete", message_id=frame_id(content["message"]))

    async def _read(self, content: dict[str, Any]) -> None:
        await self._call(
            "read", conversation=frame_id(content["conversation"]), up_to=frame_id(content["up_to"])
        )

    async def _ack(self, content: dict[str, Any]) -> None:
        await self._call("ack", message_id=frame_id(content["message"]))

    async def _typing(self, content: dict[str, Any]) -> None:
        conversation_id = frame_id(content["conversation"])
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
        path = str(content["path"])
        followed = await self._followable(path)
        if followed is None:
            group = await self._watch_group(path)
            self.watched[group] = path
            await self.channel_layer.group_add(group, self.channel_name)
        else:
            asked_at = time.monotonic()
            for conversation_id in followed:
                if conversation_id not in self.followed:
                    await self.channel_layer.group_add(
                        conversation_group(conversation_id), self.channel_name
                    )
                    self.followed.add(conversation_id)
                self.allowed_at[conversation_id] = asked_at
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
        inner = event["event"]
        if event.get("sender") == self.channel_name:
            return
        joined = conversation_id in self.joined
        if not joined and not (
            conversation_id in self.followed and changes_unread(inner, self.user.pk)
        ):
            return
        asked_at = self.allowed_at.get(conversation_id)
        stale = asked_at is None or time.monotonic() - asked_at > ACCESS_RECHECK_SECONDS
        if stale and not await self._still_allowed([conversation_id]):
            return
        if not joined:  # a list page: only the fact, it fetches its counts again
            await self.send_json({"type": "changed", "conversation": conversation_id})
            return
        if "frame" in event and self.writes:  # written once by the sender (.realtime)
            await self.send(text_data=event["frame"])
        else:
            frame = json.loads(event["frame"]) if "frame" in event else inner
            payload = {**frame, "conversation": conversation_id}
            await self.send_json(payload_for_reader(payload, writes=self.writes))

    async def access_changed(self, event: dict[str, Any]) -> None:
        """Access may have ended (portal.messaging.receivers): ask again, now, for one
        conversation or for every one this socket hears."""
        if "conversation" in event:
            asked = [event["conversation"]] if event["conversation"] in self.allowed_at else []
        else:
            asked = list(self.allowed_at)
        await self._still_allowed(asked)

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

    async def _arrive(self, conversation_id: int) -> dict[str, dict[str, Any]]:
        """Put this socket on the conversation's roster and tell the others it is `online`;
        the other sockets already there, from the roster."""
        entry = {"user": self.user.pk, "name": str(self.user)}
        here = await presence.arrive(self.channel_layer, conversation_id, self.presence_id, entry)
        await self._presence(conversation_id, "online")
        return here

    async def _depart(self, conversation_id: int) -> None:
        """Take this socket off the conversation's roster and tell the others: `offline`."""
        await presence.depart(self.channel_layer, conversation_id, self.presence_id)
        await self._presence(conversation_id, "offline")

    async def _presence(self, conversation_id: int, state: str) -> None:
        """Tell the conversation's other sockets that this one is `online` (joined) or
        `offline` (left, closed or lost access)."""
        event = {
            "type": "presence",
            "user": self.user.pk,
            "name": str(self.user),
            "state": state,
            "socket": self.presence_id,
        }
        await self.channel_layer.group_send(
            conversation_group(conversation_id),
            {
                "type": "conversation.event",
                "conversation": conversation_id,
                "event": {"type": "presence", "user": self.user.pk},
                "frame": json.dumps({**event, "conversation": conversation_id}),
                "sender": self.channel_name,
            },
        )

    async def _error(self, error: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "error": error, **extra})

    @database_sync_to_async
    def _watch_group(self, path: str) -> str:
        return watch_group(fresh_user(self.user), path)

    @database_sync_to_async
    def _followable(self, path: str) -> list[int] | None:
        """The conversations a list page at `path` follows; None for any other page."""
        if not lists_conversations(path):
            return None
        return conversation_ids_followed(fresh_user(self.user))

    async def _still_allowed(self, conversation_ids: list[int]) -> bool:
        """Ask the database whether the person may still be in these conversations (together
        with the process's other sockets: one trip answers them all); leave those lost, telling
        the page of each joined one. True if none was lost."""
        if not conversation_ids:
            return True
        asked_at = time.monotonic()
        answers = await asyncio.gather(
            *(may_see_now(self.user.pk, conversation_id) for conversation_id in conversation_ids)
        )
        kept = True
        for conversation_id, allowed in zip(conversation_ids, answers, strict=True):
            if conversation_id not in self.allowed_at:
                continue  # left while the question was out
            if allowed:
                self.allowed_at[conversation_id] = asked_at
                continue
            kept = False
            joined = conversation_id in self.joined
            if joined:
                await self._depart(conversation_id)
            self.joined.discard(conversation_id)
            self.followed.discard(conversation_id)
            del self.allowed_at[conversation_id]
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )
            if joined:
                await self.send_json({"type": "revoked", "conversation": conversation_id})
        return kept

    async def _catch_up(self, conversation_id: int, after: int) -> list[dict[str, Any]]:
        """The backlog after `after`, if the person may be in the conversation (Http404 if
        not): the access check and the backlog in one database trip, on the pool."""
        return await on_send_pool(self._catch_up_sync, conversation_id, after)

    def _catch_up_sync(self, conversation_id: int, after: int) -> list[dict[str, Any]]:
        user = fresh_user(self.user)
        messages = messages_after(
            user=user, conversation=conversation_or_404(conversation_id), after_id=after
        )
        return [
            payload_for_reader(message_payload(message), writes=self.writes) for message in messages
        ]

    async def _call(self, command: str, **kwargs: Any) -> int | None:
        result, broadcasts = await on_send_pool(self._call_held, command, **kwargs)
        for group, message in broadcasts:  # committed: the service has returned
            try:
                await self.channel_layer.group_send(group, message)
            except Exception:  # best effort, as portal.core.realtime.send_to_group
                logger.warning("realtime push to %s failed", group, exc_info=True)
        return result

    def _call_held(self, command: str, **kwargs: Any) -> tuple[int | None, list[Broadcast]]:
        with broadcasts_held() as broadcasts:
            result = self._call_sync(command, **kwargs)
        return result, broadcasts

    def _call_sync(self, command: str, **kwargs: Any) -> int | None:
        user = fresh_user(self.user)
        if "conversation" in kwargs:  # each service authorises the person itself
            kwargs["conversation"] = conversation_or_404(kwargs["conversation"])
        return SERVICE_COMMANDS[command](user, **kwargs)
