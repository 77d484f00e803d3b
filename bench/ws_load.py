"""What the WebSocket benchmarks (B3, B4) share: their benchmark people and conversations, the
bare Channels broadcast consumer they are compared with, and the `websockets` load client.

People and conversations are bulk rows equal to what the portal's services make
(portal.core.people.membership_set, portal.messaging.services.conversation_for_liaison): active
users with a working role in one member agency (the arbitration committee) and its group, and
liaison conversations of that agency, which admit its working staff. Every row is named
``bench-ws-…``; :func:`remove_people` deletes them and everything they wrote (messages, read
marks, their audit rows — the audit table is append-only, so its trigger is bypassed for this
one delete with ``session_replication_role``) and is also run before a setup, so a run that died
leaves nothing behind for long. Signed-in clients get a session row each (the auth session
keys, as ``login()`` writes them) instead of 1,000 form logins.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import websockets
from websockets.asyncio.client import ClientConnection

from bench import common

PREFIX = "bench-ws-"
AGENCY = "arbitration"
CHANNEL_PREFIX = "bench-ws"  # the channel layer's key prefix in the benchmarks' Redis database
# The server's channel-layer pool: config/settings/base.py's default, said out loud here.
CHANNEL_LAYER_MAX_CONNECTIONS = "1000"
BARE_APP = "bench.ws_bare:application"
PORTAL_APP = "config.asgi:application"
PORTAL_PATH = "/ws/messaging/"
BARE_PATH = "/ws/bare/"


def pick_database(scale: str, database: str | None) -> str:
    """The scale's benchmark database if bench/data.py made it, else the WebSocket helper's own
    development database (migrated and seeded with seed_demo)."""
    if database:
        return database
    import psycopg

    name = f"portal_bench_{scale}"
    with psycopg.connect(f"{common.PG_SERVER}/postgres") as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    return name if found else "portal_bench_dev_ws"


def server_env(scale: str, database: str) -> dict[str, str]:
    return common.django_env(
        scale,
        DATABASE_URL=f"{common.PG_SERVER}/{database}",
        CHANNEL_LAYER_PREFIX=CHANNEL_PREFIX,
        CHANNEL_LAYER_MAX_CONNECTIONS=CHANNEL_LAYER_MAX_CONNECTIONS,
        # as docker-compose.yml's `ws` service sets it
        DATABASE_CONN_HEALTH_CHECKS="false",
    )


def daphne_argv(app: str, port: int) -> list[str]:
    """daphne as docker-compose.yml's `ws` service runs it."""
    return [
        str(common.VENV_BIN / "daphne"),
        "--bind=127.0.0.1",
        f"--port={port}",
        "--proxy-headers",
        app,
    ]


def pin_load_client() -> None:
    """This process (the load client) runs on the load generator's core."""
    if (os.cpu_count() or 1) > 1 and common.LOAD_CPUS:
        cpus = {int(c) for c in common.LOAD_CPUS.split(",")}
        os.sched_setaffinity(0, cpus)


# --- people and conversations ------------------------------------------------------------------


@dataclass
class People:
    user_ids: list[int]
    cookies: list[str]  # "sessionid=…" per user, same order
    conversations: list[int] = field(default_factory=list)


def remove_people() -> None:
    """Delete every bench-ws- row and what it wrote."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction

    from portal.core.models import User
    from portal.messaging.models import Conversation, Message

    users = list(User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True))
    conversations = Conversation.objects.filter(key__startswith=PREFIX)
    messages = list(
        Message.objects.filter(conversation__in=conversations).values_list("pk", flat=True)
    )
    with transaction.atomic():
        if users or messages:
            message_type = ContentType.objects.get_for_model(Message)
            with connection.cursor() as cursor:
                # The one delete the audit table allows: benchmark rows, by a superuser.
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(
                    "DELETE FROM core_auditevent WHERE actor_id = ANY(%s)"
                    " OR (content_type_id = %s AND object_id = ANY(%s))",
                    [users, message_type.pk, [str(pk) for pk in messages]],
                )
                cursor.execute("SET LOCAL session_replication_role = origin")
        Message.objects.filter(pk__in=messages).delete()
        conversations.delete()
        Session.objects.filter(session_key__startswith=PREFIX.replace("-", "")).delete()
        User.objects.filter(pk__in=users).delete()


def make_people(count: int) -> People:
    """`count` working staff of the arbitration committee, each with a session."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from portal.core.models import Agency, Membership, Role, User

    remove_people()
    agency = Agency.objects.get(code=AGENCY)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                username=f"{PREFIX}u{index:04d}",
                full_name=f"压测{index:04d}",
                email=f"{PREFIX}u{index:04d}@bench.invalid",
                password=make_password(None),
            )
            for index in range(count)
        )
        Membership.objects.bulk_create(
            Membership(user=user, agency=agency, roles=[Role.MEDIATOR], active=True)
            for user in users
        )
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=agency.group_id) for user in users
        )
        store = SessionStore()
        expires = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        sessions = [
            Session(
                # the prefix without dashes: a session key is [a-z0-9]
                session_key=PREFIX.replace("-", "") + get_random_string(24).lower(),
                session_data=store.encode(
                    {
                        SESSION_KEY: str(user.pk),
                        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: user.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for user in users
        ]
        Session.objects.bulk_create(sessions)
    name = settings.SESSION_COOKIE_NAME
    return People(
        user_ids=[user.pk for user in users],
        cookies=[f"{name}={session.session_key}" for session in sessions],
    )


def make_conversations(label: str, count: int) -> list[int]:
    """`count` liaison conversations of the arbitration committee."""
    from django.db import transaction

    from portal.core.models import Agency
    from portal.messaging.models import Conversation, ConversationKind

    agency = Agency.objects.get(code=AGENCY)
    with transaction.atomic():
        conversations = Conversation.objects.bulk_create(
            Conversation(kind=ConversationKind.LIAISON, key=f"{PREFIX}{label}-{index}")
            for index in range(count)
        )
        Conversation.agencies.through.objects.bulk_create(
            Conversation.agencies.through(conversation_id=c.pk, agency_id=agency.pk)
            for c in conversations
        )
    return [c.pk for c in conversations]


def last_message_id() -> int:
    from portal.messaging.models import Message

    return Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def stored_messages(token: str) -> int:
    from portal.messaging.models import Message

    return Message.objects.filter(
        conversation__key__startswith=PREFIX, body__startswith=token
    ).count()


def flush_channel_layer() -> None:
    import redis

    client = redis.Redis.from_url(common.REDIS_URL)
    for key in client.scan_iter(f"{CHANNEL_PREFIX}*", count=1000):
        client.delete(key)
    client.close()


# --- the load client ---------------------------------------------------------------------------


@dataclass
class Traffic:
    """Who sent which numbered message when, and who received it when."""

    token: str
    sent_at: dict[int, float] = field(default_factory=dict)
    expected: dict[int, list[int]] = field(default_factory=dict)  # seq → receiving clients
    arrivals: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    acks: int = 0
    frames: int = 0
    last_frame: float = 0.0

    def summary(self) -> dict[str, Any]:
        latencies = []
        lost = duplicated = 0
        for seq, receivers in self.expected.items():
            for client in receivers:
                times = self.arrivals.get((seq, client), [])
                if not times:
                    lost += 1
                    continue
                duplicated += len(times) - 1
                latencies.append((times[0] - self.sent_at[seq]) * 1000)
        expected = sum(len(r) for r in self.expected.values())
        return {
            "messages": len(self.expected),
            "deliveries_expected": expected,
            "deliveries": len(latencies),
            "lost": lost,
            "duplicated": duplicated,
            "p50_ms": round(common.percentile(latencies, 50), 2),
            "p99_ms": round(common.percentile(latencies, 99), 2),
            "max_ms": round(max(latencies), 2) if latencies else float("nan"),
            "acks": self.acks,
            "errors": dict(self.errors),
        }


class Client:
    def __init__(self, index: int, socket: ClientConnection, traffic: Traffic) -> None:
        self.index = index
        self.socket = socket
        self.traffic = traffic
        self.caught_up = asyncio.Event()
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        traffic = self.traffic
        token = traffic.token
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.socket:
                now = time.perf_counter()
                traffic.frames += 1
                traffic.last_frame = now
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message.new":
                    body = frame.get("body", "")
                    if body.startswith(token):
                        key = (int(body[len(token) :]), self.index)
                        traffic.arrivals.setdefault(key, []).append(now)
                elif kind == "caught_up":
                    self.caught_up.set()
                elif kind == "sent":
                    traffic.acks += 1
                elif kind == "error":
                    traffic.errors[str(frame.get("error"))] += 1

    async def join(self, conversation: int, after: int) -> None:
        await self.socket.send(
            json.dumps({"type": "join", "conversation": conversation, "after": after})
        )
        await self.caught_up.wait()

    async def close(self) -> None:
        await self.socket.close()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


async def open_clients(
    url: str,
    cookies: Sequence[str | None],
    traffic: Traffic,
    origin: str,
    *,
    concurrency: int = 100,
) -> list[Client]:
    """One socket per cookie (None: no cookie), `concurrency` handshakes at a time, like pages
    reconnecting after a restart. Browsers send no pings; the server's own stay on."""
    limit = asyncio.Semaphore(concurrency)

    async def one(index: int, cookie: str | None) -> Client:
        async with limit:
            socket = await websockets.connect(
                url,
                origin=origin,  # type: ignore[arg-type]
                additional_headers={"Cookie": cookie} if cookie else None,
                max_queue=None,
                ping_interval=None,
                open_timeout=120,
                close_timeout=5,
                compression=None,
            )
            return Client(index, socket, traffic)

    return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(cookies))))


async def join_all(
    clients: Sequence[Client], conversations: Sequence[int], after: int, concurrency: int = 100
) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def one(client: Client, conversation: int) -> None:
        async with limit:
            await asyncio.wait_for(client.join(conversation, after), 120)

    await asyncio.gather(*(one(c, v) for c, v in zip(clients, conversations, strict=True)))


async def quiet(traffic: Traffic, seconds: float = 1.0, timeout: float = 120.0) -> float:
    """Wait until no frame arrived for `seconds` (the presence chatter of joins is over)."""
    started = time.perf_counter()
    traffic.last_frame = max(traffic.last_frame, started)
    while time.perf_counter() - traffic.last_frame < seconds:
        if time.perf_counter() - started > timeout:
            break
        await asyncio.sleep(0.2)
    return time.perf_counter() - started


async def close_all(clients: Sequence[Client]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def server_process(pid: int) -> psutil.Process:
    return psutil.Process(pid)


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def log_path(name: str) -> Path:
    path = common.REPO / "var" / "bench-logs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
