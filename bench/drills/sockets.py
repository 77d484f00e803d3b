"""The drills' WebSocket pages: `count` signed-in staff in one conversation on daphne (as
docker-compose.yml's `ws` runs it), the first sending a message every half second. A page
whose socket closes opens it again after half a second and joins after the last message it
has, as the messaging page does; at the end every page must hold every stored message (lost:
0), and a message that came twice is counted (the page shows it once, by its id)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import websockets

from bench import common, ws_load
from bench.drills import topology as t


@dataclass
class Page:
    cookie: str
    seen: collections.Counter[int] = field(default_factory=collections.Counter)
    opened: int = 0
    last: int = 0
    closed_at: float = 0.0
    gaps: list[float] = field(default_factory=list)  # seconds from a close to the next join


@dataclass
class Sockets:
    port: int
    conversation: int
    pages: list[Page]
    stop: threading.Event = field(default_factory=threading.Event)
    quiet: threading.Event = field(default_factory=threading.Event)  # no more sends
    sent: int = 0
    send_failed: int = 0

    async def page(self, index: int, page: Page) -> None:
        url = f"ws://127.0.0.1:{self.port}{ws_load.PORTAL_PATH}"
        while not self.stop.is_set():
            try:
                async with websockets.connect(
                    url,
                    origin=f"http://127.0.0.1:{self.port}",  # type: ignore[arg-type]
                    additional_headers={"Cookie": page.cookie},
                    open_timeout=10,
                ) as socket:
                    page.opened += 1
                    if page.closed_at:
                        page.gaps.append(time.monotonic() - page.closed_at)
                        page.closed_at = 0.0
                    await socket.send(
                        json.dumps(
                            {"type": "join", "conversation": self.conversation, "after": page.last}
                        )
                    )
                    sender = asyncio.create_task(self.send(socket)) if index == 0 else None
                    try:
                        while not self.stop.is_set():
                            with contextlib.suppress(TimeoutError):
                                raw = await asyncio.wait_for(socket.recv(), 0.5)
                                self.frame(page, json.loads(raw))
                    finally:
                        if sender:
                            sender.cancel()
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass
            if not page.closed_at:
                page.closed_at = time.monotonic()
            await asyncio.sleep(0.5)

    def frame(self, page: Page, frame: dict[str, Any]) -> None:
        if frame.get("type") == "message.new" and frame.get("id"):
            pk = int(frame["id"])
            page.seen[pk] += 1
            page.last = max(page.last, pk)

    async def send(self, socket: Any) -> None:
        while not self.quiet.is_set():
            await asyncio.sleep(0.5)
            try:
                await socket.send(
                    json.dumps(
                        {
                            "type": "send",
                            "conversation": self.conversation,
                            "body": f"演练消息 {self.sent}",
                            "client_id": str(self.sent),
                        }
                    )
                )
                self.sent += 1
            except websockets.WebSocketException:
                self.send_failed += 1
                return

    def run(self) -> None:
        async def everyone() -> None:
            await asyncio.gather(*(self.page(i, p) for i, p in enumerate(self.pages)))

        asyncio.run(everyone())

    def figures(self) -> dict[str, Any]:
        from portal.messaging.models import Message

        stored = set(
            Message.objects.filter(conversation_id=self.conversation).values_list("pk", flat=True)
        )
        return {
            "ws_pages": len(self.pages),
            "ws_messages_stored": len(stored),
            "ws_sends_failed": self.send_failed,
            "ws_messages_lost": sum(len(stored - set(p.seen)) for p in self.pages),
            "ws_messages_duplicated": sum(n - 1 for p in self.pages for n in p.seen.values()),
            "ws_reconnects": sum(p.opened - 1 for p in self.pages),
            "ws_rejoin_s": sorted(round(g, 2) for p in self.pages for g in p.gaps),
        }


def daphne(env: dict[str, str], port: int, name: str) -> Any:
    """daphne as docker-compose.yml's `ws` runs it, on a loopback port."""
    return common.server(
        ws_load.daphne_argv(ws_load.PORTAL_APP, port),
        env={**env, "DATABASE_CONN_HEALTH_CHECKS": "false"},
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log=t.LOGS / f"{name}.log",
    )


@contextlib.contextmanager
def pages(env: dict[str, str], count: int) -> Iterator[Sockets | None]:
    """daphne and `count` pages joined to one conversation (nothing when `count` is 0)."""
    if not count:
        yield None
        return
    people = ws_load.make_people(count)
    (conversation,) = ws_load.make_conversations("drill", 1)
    port = common.free_port()
    with daphne(env, port, "daphne"):
        sockets = Sockets(port, conversation, [Page(cookie) for cookie in people.cookies])
        thread = threading.Thread(target=sockets.run)
        thread.start()
        try:
            yield sockets
        finally:
            sockets.quiet.set()
            time.sleep(5)  # the last messages, the pages' last reconnects and catch-up
            sockets.stop.set()
            thread.join(timeout=30)
