"""The sockets' access checks, answered for many sockets in one database trip.

Sockets relay from answers they keep; they ask again when a revocation is pushed to them (then
every socket of a conversation asks at once) and when an answer is older than the backstop
(portal.messaging.consumers). Asked one by one, a conversation of 200 would be 200 trips
through the one thread Channels gives the database, each with its own queries; the thread is the
bottleneck long before the CPU is (bench/b3_ws.py). Here the questions wait while a trip is under
way and the next trip answers all of them: the people in one query, the conversations (with their
agencies and people) in another, then the same rule as `access_conversation` for each.

Every answer is read from the database after it was asked: batching changes how many trips, not
how fresh the answer.
"""

from __future__ import annotations

import asyncio
import weakref

from channels.db import database_sync_to_async

from portal.core.models import User

from .models import Conversation
from .permissions import may_see

Question = tuple[int, int]  # (user id, conversation id)


def decide(questions: list[Question]) -> dict[Question, bool]:
    """For each (user, conversation): may the user be in it now?"""
    users = User.objects.select_related("membership__agency").in_bulk(
        {user_id for user_id, _ in questions}
    )
    conversations = Conversation.objects.prefetch_related("agencies", "people").in_bulk(
        {conversation_id for _, conversation_id in questions}
    )
    answers = {}
    for user_id, conversation_id in questions:
        user = users.get(user_id)
        conversation = conversations.get(conversation_id)
        answers[user_id, conversation_id] = (
            user is not None and conversation is not None and may_see(user, conversation)
        )
    return answers


class AccessChecks:
    """The questions of one event loop (one WebSocket process), one trip at a time."""

    def __init__(self) -> None:
        self.pending: dict[Question, list[asyncio.Future[bool]]] = {}
        self.trip: asyncio.Task[None] | None = None

    async def may_see(self, user_id: int, conversation_id: int) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.pending.setdefault((user_id, conversation_id), []).append(future)
        if self.trip is None:
            self.trip = asyncio.create_task(self._answer())
        return await future

    async def _answer(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, {}
                try:
                    answers = await database_sync_to_async(decide)(list(batch))
                except Exception as exc:  # every waiting socket hears of it, none hangs
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for question, futures in batch.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(answers[question])
        finally:
            self.trip = None


_checks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AccessChecks] = (
    weakref.WeakKeyDictionary()
)


async def may_see_now(user_id: int, conversation_id: int) -> bool:
    """May the user be in the conversation now (asked together with the process's other
    sockets)?"""
    loop = asyncio.get_running_loop()
    checks = _checks.get(loop)
    if checks is None:
        checks = _checks[loop] = AccessChecks()
    return await checks.may_see(user_id, conversation_id)
