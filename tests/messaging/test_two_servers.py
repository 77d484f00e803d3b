"""Two ASGI server processes on one Redis: a message sent through one server reaches a client
connected to the other (what production does with several WebSocket processes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect

from portal.cases.services import case_co_handling_start
from portal.core.bootstrap import seed_reference_data
from portal.core.models import Role, User
from portal.messaging import services

from ..factories import agency, make_case, member
from .servers import daphne_servers

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def servers(transactional_db) -> Iterator[list[int]]:
    with daphne_servers(2, redis=True) as ports:
        yield ports


def cookie_for(user: User) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


async def receive(websocket, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(websocket.recv(), 10))
        if frame["type"] == kind:
            return frame


def test_a_message_sent_through_one_server_reaches_a_client_of_the_other(servers) -> None:
    seed_reference_data()
    arb = member("arb.mediator", "arbitration", Role.MEDIATOR)
    admin = member("arb.admin", "arbitration", Role.AGENCY_ADMIN)
    proc = member("proc.liaison", "procuratorate", Role.LIAISON)
    case = make_case(agency_code="arbitration", actor=arb)
    case_co_handling_start(actor=admin, case=case, agency=agency("procuratorate"))
    conversation = services.conversation_for_case(actor=arb, case_id=case.pk).pk
    cookies = cookie_for(arb), cookie_for(proc)

    async def journey() -> dict:
        first, second = servers
        url = "ws://127.0.0.1:{}/ws/messaging/"
        async with (
            connect(
                url.format(first),
                origin=f"http://127.0.0.1:{first}",
                additional_headers={"Cookie": cookies[0]},
            ) as sender,
            connect(
                url.format(second),
                origin=f"http://127.0.0.1:{second}",
                additional_headers={"Cookie": cookies[1]},
            ) as receiver,
        ):
            for websocket in (sender, receiver):
                await websocket.send(json.dumps({"type": "join", "conversation": conversation}))
                await receive(websocket, "caught_up")
            await sender.send(
                json.dumps({"type": "send", "conversation": conversation, "body": "跨进程"})
            )
            return await receive(receiver, "message.new")

    frame = asyncio.run(journey())
    assert frame["body"] == "跨进程"
    assert frame["author"] == arb.pk
