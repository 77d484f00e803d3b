"""The messaging socket's runtime keeps its two invariants (portal/messaging/runtime.py): every
database call of the socket runs through Channels' DatabaseSyncToAsync, and one process stores
and broadcasts a conversation's messages in the order they came."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import DatabaseSyncToAsync
from django.db.backends import utils as db_utils

from .test_consumers import join, next_of, open_socket, say

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_layer", "close_worker_connections"),
]


@pytest.fixture
def queries_outside_database_sync_to_async(monkeypatch) -> list[str]:
    """The SQL of every statement run while no DatabaseSyncToAsync call was on its thread."""
    inside = threading.local()
    outside: list[str] = []
    real_handler = DatabaseSyncToAsync.thread_handler
    real_execute = db_utils.CursorWrapper._execute_with_wrappers

    def handler(self, *args, **kwargs):
        inside.depth = getattr(inside, "depth", 0) + 1
        try:
            return real_handler(self, *args, **kwargs)
        finally:
            inside.depth -= 1

    def execute(self, sql, *args, **kwargs):
        if not getattr(inside, "depth", 0):
            outside.append(sql)
        return real_execute(self, sql, *args, **kwargs)

    monkeypatch.setattr(DatabaseSyncToAsync, "thread_handler", handler)
    monkeypatch.setattr(db_utils.CursorWrapper, "_execute_with_wrappers", execute)
    return outside


async def test_every_database_call_of_the_socket_runs_through_database_sync_to_async(
    people, conversation_id, queries_outside_database_sync_to_async
):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    await say(arb, conversation_id, "经由数据库线程")
    message = await next_of(proc, "message.new")
    await proc.send_json_to({"type": "read", "conversation": conversation_id, "id": message["id"]})
    await arb.disconnect()
    await proc.disconnect()

    assert queries_outside_database_sync_to_async == []


@pytest.mark.postgres  # the send pool runs only on PostgreSQL: SQLite stores on one thread
async def test_concurrent_senders_in_one_process_are_broadcast_in_the_order_they_were_stored(
    people, conversation_id
):
    first = await open_socket(people["arb"])
    second = await open_socket(people["arb_admin"])
    reader = await open_socket(people["proc"])
    for socket in (first, second, reader):
        await join(socket, conversation_id)

    async def send_many(socket, prefix: str) -> None:
        for n in range(15):
            await say(socket, conversation_id, f"{prefix}{n}")

    await asyncio.gather(send_many(first, "甲"), send_many(second, "乙"))
    received = [await next_of(reader, "message.new") for _ in range(30)]

    ids = [frame["id"] for frame in received]
    assert ids == sorted(ids)
    for prefix in ("甲", "乙"):
        mine = [frame["body"] for frame in received if frame["body"].startswith(prefix)]
        assert mine == [f"{prefix}{n}" for n in range(15)]
    for socket in (first, second, reader):
        await socket.disconnect()
