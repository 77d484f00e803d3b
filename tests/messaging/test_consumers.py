"""The messaging socket, through the real ASGI application with real sessions."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client
from redis.exceptions import ConnectionError as RedisDown

from config.asgi import application
from portal.cases.services import case_co_handling_end
from portal.core.models import Role, User
from portal.core.people import membership_end
from portal.messaging import consumers, presence, services
from portal.messaging.models import Acknowledgement, Conversation, Message
from portal.messaging.selectors import CATCH_UP_LIMIT

from ..factories import agency, make_case, member
from ..referrals.builders import draft, move

PATH = "/ws/messaging/"
ORIGIN = (b"origin", b"http://localhost")
# How long a test waits for a frame it expects: generous, since a loaded machine is slow to
# answer and a frame that never comes still fails the test.
FRAME_TIMEOUT = 5

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_layer", "close_worker_connections"),
]


@database_sync_to_async
def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def open_socket(user: User | None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin]
    if user is not None:
        headers.append((b"cookie", await session_cookie(user)))
    communicator = WebsocketCommunicator(application, PATH, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def join(communicator: WebsocketCommunicator, conversation: int, after: int = 0) -> list:
    """Join and read up to the end of the backlog; returns the frames in between."""
    await communicator.send_json_to({"type": "join", "conversation": conversation, "after": after})
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=FRAME_TIMEOUT)
        if frame["type"] == "caught_up":
            return frames
        frames.append(frame)


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of one type, skipping presence and typing chatter."""
    while True:
        frame = await communicator.receive_json_from(timeout=FRAME_TIMEOUT)
        if frame["type"] == kind:
            return frame


async def say(communicator, conversation: int, body: str) -> int:
    await communicator.send_json_to({"type": "send", "conversation": conversation, "body": body})
    return (await next_of(communicator, "sent"))["id"]


async def test_an_anonymous_connection_is_refused():
    communicator = WebsocketCommunicator(application, PATH, headers=[ORIGIN])
    connected, code = await communicator.connect()
    assert connected is False and code == 4401
    await communicator.disconnect()


async def test_a_foreign_origin_is_rejected_even_with_a_valid_session(people):
    communicator = WebsocketCommunicator(
        application,
        PATH,
        headers=[
            (b"origin", b"https://evil.example.com"),
            (b"cookie", await session_cookie(people["arb"])),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


async def test_two_agencies_see_each_others_messages_in_order(people, conversation_id):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    for body in ["一", "二", "三"]:
        await say(arb, conversation_id, body)
    received = [(await next_of(proc, "message.new"))["body"] for _ in range(3)]
    assert received == ["一", "二", "三"]
    await arb.disconnect()
    await proc.disconnect()


async def test_a_conversation_one_may_not_see_answers_an_error_and_stores_nothing(
    people, conversation_id
):
    bureau = await open_socket(people["bureau"])
    await bureau.send_json_to({"type": "join", "conversation": conversation_id})
    assert await bureau.receive_json_from() == {"type": "error", "error": "not_found"}
    await bureau.send_json_to({"type": "send", "conversation": conversation_id, "body": "偷听"})
    assert await bureau.receive_json_from() == {"type": "error", "error": "not_found"}
    assert await database_sync_to_async(Message.objects.count)() == 0
    # The connection stays healthy: a conversation of its own still works.
    direct = await database_sync_to_async(services.conversation_for_direct)(
        actor=people["bureau"], other=people["arb"]
    )
    assert await join(bureau, direct.pk) == [{"type": "joined", "conversation": direct.pk}]
    await bureau.disconnect()


async def test_bad_frames_answer_errors_and_the_connection_stays_healthy(people, conversation_id):
    arb = await open_socket(people["arb"])
    await arb.send_to(text_data="{not json")
    assert await arb.receive_json_from() == {"type": "error", "error": "malformed"}
    await arb.send_to(text_data=json.dumps({"type": "shout"}))
    assert await arb.receive_json_from() == {"type": "error", "error": "unknown_type"}
    await arb.send_to(text_data=json.dumps({"type": "send", "conversation": conversation_id}))
    assert await arb.receive_json_from() == {"type": "error", "error": "malformed"}
    big = json.dumps({"type": "send", "conversation": conversation_id, "body": "字" * 10000})
    await arb.send_to(text_data=big)
    assert await arb.receive_json_from() == {"type": "error", "error": "frame_too_large"}
    await arb.send_to(text_data="[1, 2]")
    assert await arb.receive_json_from() == {"type": "error", "error": "malformed"}
    assert await database_sync_to_async(Message.objects.count)() == 0
    await join(arb, conversation_id)
    assert await say(arb, conversation_id, "还好") > 0
    await arb.disconnect()


async def test_a_flooding_connection_is_throttled_without_slowing_another(
    people, conversation_id, monkeypatch
):
    monkeypatch.setattr(consumers, "BUCKET_CAPACITY", 3.0)
    monkeypatch.setattr(consumers, "BUCKET_REFILL_PER_SECOND", 0.001)
    flood = await open_socket(people["arb"])
    other = await open_socket(people["proc"])
    for _ in range(3):
        await flood.send_json_to({"type": "typing", "conversation": conversation_id})
        assert (await flood.receive_json_from())["error"] == "not_found"  # not joined
    await flood.send_json_to({"type": "typing", "conversation": conversation_id})
    assert await flood.receive_json_from() == {"type": "error", "error": "rate_limited"}
    await other.send_json_to({"type": "join", "conversation": conversation_id})
    assert await other.receive_json_from() == {"type": "joined", "conversation": conversation_id}
    await flood.disconnect()
    await other.disconnect()


async def test_revoked_access_stops_delivery_at_once(people, conversation_id):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    await say(arb, conversation_id, "共享期间")
    assert (await next_of(proc, "message.new"))["body"] == "共享期间"

    @database_sync_to_async
    def stop_sharing() -> None:
        case = Conversation.objects.select_related("case").get(pk=conversation_id).case
        case_co_handling_end(actor=people["arb_admin"], case=case, agency=agency("procuratorate"))

    await stop_sharing()
    await say(arb, conversation_id, "结束之后")
    assert await next_of(proc, "revoked") == {"type": "revoked", "conversation": conversation_id}
    assert await proc.receive_nothing(timeout=0.2)
    await say(arb, conversation_id, "再一条")
    assert await proc.receive_nothing(timeout=0.2)
    await arb.disconnect()
    await proc.disconnect()


async def test_a_reconnecting_client_gets_everything_after_its_last_id(people, conversation_id):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    first = await say(arb, conversation_id, "断线前")
    assert (await next_of(proc, "message.new"))["id"] == first
    await proc.disconnect()
    missed = [await say(arb, conversation_id, body) for body in ["断线中一", "断线中二"]]

    proc = await open_socket(people["proc"])
    frames = await join(proc, conversation_id, after=first)
    backlog = [frame for frame in frames if frame["type"] == "message.new"]
    assert [frame["id"] for frame in backlog] == missed
    assert [frame["body"] for frame in backlog] == ["断线中一", "断线中二"]
    await arb.disconnect()
    await proc.disconnect()


async def test_typing_and_presence_reach_the_others_but_not_oneself(people, conversation_id):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    online = await next_of(arb, "presence")
    assert {key: online[key] for key in ("user", "name", "state", "conversation")} == {
        "user": people["proc"].pk,
        "name": str(people["proc"]),
        "state": "online",
        "conversation": conversation_id,
    }
    await proc.send_json_to({"type": "typing", "conversation": conversation_id})
    assert await next_of(arb, "typing") == {
        "type": "typing",
        "user": people["proc"].pk,
        "conversation": conversation_id,
    }
    assert (await next_of(proc, "presence"))["state"] == "here"  # arb answered proc's arrival
    assert await proc.receive_nothing(timeout=0.2)
    await proc.disconnect()
    offline = await next_of(arb, "presence")
    assert (offline["state"], offline["socket"]) == ("offline", online["socket"])
    await arb.disconnect()


async def test_whoever_joins_learns_who_is_already_there(people, conversation_id):
    arb = await open_socket(people["arb"])
    await join(arb, conversation_id)
    arb_tab = await open_socket(people["arb"])
    await join(arb_tab, conversation_id)
    proc = await open_socket(people["proc"])
    frames = await join(proc, conversation_id)
    here = [frame for frame in frames if frame["type"] == "presence"]
    while len(here) < 2:  # the answers may come before or after the backlog
        here.append(await next_of(proc, "presence"))
    assert {(frame["user"], frame["name"], frame["state"]) for frame in here} == {
        (people["arb"].pk, str(people["arb"]), "here")
    }
    assert len({frame["socket"] for frame in here}) == 2  # one per tab: closing one leaves one
    for socket in (arb, arb_tab, proc):
        await socket.disconnect()


async def test_leaving_a_conversation_tells_the_others(people, conversation_id):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    await proc.send_json_to({"type": "leave", "conversation": conversation_id})
    assert await next_of(proc, "left") == {"type": "left", "conversation": conversation_id}
    presence = await next_of(arb, "presence")
    while presence["state"] != "offline":
        presence = await next_of(arb, "presence")
    assert presence["user"] == people["proc"].pk
    await say(arb, conversation_id, "走了吗")
    assert await proc.receive_nothing(timeout=0.2)
    await arb.disconnect()
    await proc.disconnect()


async def test_read_receipts_and_acknowledgements_go_through_the_socket(people, conversation_id):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    await arb.send_json_to(
        {
            "type": "send",
            "conversation": conversation_id,
            "body": "请确认",
            "mentions": {"users": [people["proc"].pk]},
            "ack_requested": True,
        }
    )
    message_id = (await next_of(arb, "sent"))["id"]
    await proc.send_json_to({"type": "read", "conversation": conversation_id, "up_to": message_id})
    assert (await next_of(arb, "read"))["user"] == people["proc"].pk
    await proc.send_json_to({"type": "ack", "message": message_id})
    acknowledged = await next_of(arb, "acknowledged")
    assert acknowledged == {
        "type": "acknowledged",
        "message": message_id,
        "user": people["proc"].pk,
        "acknowledged": 1,
        "addressees": 1,
        "conversation": conversation_id,
    }
    # The one who acknowledged hears it too (their page drops the button, in every tab).
    assert (await next_of(proc, "acknowledged"))["user"] == people["proc"].pk
    await arb.disconnect()
    await proc.disconnect()


@pytest.mark.redis
async def test_messages_travel_through_the_redis_channel_layer(settings, people, conversation_id):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A prefix of our own: other test runs may share this Redis server.
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }
    layer = get_channel_layer()
    try:
        arb = await open_socket(people["arb"])
        proc = await open_socket(people["proc"])
        await join(arb, conversation_id)
        await join(proc, conversation_id)
        await say(arb, conversation_id, "经由Redis")
        frame = await asyncio.wait_for(next_of(proc, "message.new"), 5)
        assert frame["body"] == "经由Redis"
        await arb.disconnect()
        await proc.disconnect()
    finally:
        await layer.flush()
        await layer.close_pools()


async def test_a_referral_page_hears_of_a_status_change_made_elsewhere(people):
    referral = await database_sync_to_async(
        lambda: move(draft(people["arb"], "procuratorate"), "send", people["arb"])
    )()
    path = f"/referrals/{referral.pk}/"
    sender_page = await open_socket(people["arb"])
    await sender_page.send_json_to({"type": "watch", "path": path})
    assert await sender_page.receive_json_from() == {"type": "watching", "path": path}
    stranger_page = await open_socket(people["bureau"])
    await stranger_page.send_json_to({"type": "watch", "path": path})
    assert await stranger_page.receive_json_from() == {"type": "error", "error": "not_found"}
    await stranger_page.send_json_to({"type": "watch", "path": "/admin/"})
    assert await stranger_page.receive_json_from() == {"type": "error", "error": "not_found"}

    await database_sync_to_async(move)(referral, "acknowledge", people["proc"])
    assert await sender_page.receive_json_from() == {"type": "changed", "status": "acknowledged"}
    assert await stranger_page.receive_nothing(timeout=0.2)
    await sender_page.disconnect()
    await stranger_page.disconnect()


async def test_a_member_who_leaves_the_agency_stops_receiving_at_once(people):
    channel = await database_sync_to_async(services.conversation_for_liaison)(
        actor=people["arb"], agency_codes=["arbitration", "procuratorate"]
    )
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, channel.pk)
    await join(proc, channel.pk)
    await database_sync_to_async(membership_end)(actor=None, user=people["proc"])
    await say(arb, channel.pk, "离职之后")
    assert await next_of(proc, "revoked") == {"type": "revoked", "conversation": channel.pk}
    assert await proc.receive_nothing(timeout=0.2)
    await arb.disconnect()
    await proc.disconnect()


async def test_the_list_page_hears_of_news_in_the_readers_conversations_only(
    people, conversation_id
):
    @database_sync_to_async
    def bureau_conversation() -> int:
        case = make_case(agency_code="bureau", actor=people["bureau"])
        return services.conversation_for_case(actor=people["bureau"], case_id=case.pk).pk

    theirs = await bureau_conversation()
    list_page = await open_socket(people["proc"])
    await list_page.send_json_to({"type": "watch", "path": "/messaging/"})
    assert await list_page.receive_json_from() == {"type": "watching", "path": "/messaging/"}
    arb = await open_socket(people["arb"])
    await join(arb, conversation_id)
    bureau = await open_socket(people["bureau"])
    await join(bureau, theirs)
    # Presence and typing change no count: the list hears nothing of them.
    await arb.send_json_to({"type": "typing", "conversation": conversation_id})
    await say(bureau, theirs, "别人的事")
    assert await list_page.receive_nothing(timeout=0.2)

    await say(arb, conversation_id, "新消息")
    assert await list_page.receive_json_from() == {
        "type": "changed",
        "conversation": conversation_id,
    }
    # Reading on in another tab changes the count too; someone else's reading does not.
    message_id = await say(arb, conversation_id, "又一条")
    assert (await list_page.receive_json_from())["type"] == "changed"
    colleague = await open_socket(people["arb_admin"])
    await join(colleague, conversation_id)
    await colleague.send_json_to(
        {"type": "read", "conversation": conversation_id, "up_to": message_id}
    )
    assert (await next_of(arb, "read"))["user"] == people["arb_admin"].pk
    assert await list_page.receive_nothing(timeout=0.2)
    proc_tab = await open_socket(people["proc"])
    await join(proc_tab, conversation_id)
    await proc_tab.send_json_to(
        {"type": "read", "conversation": conversation_id, "up_to": message_id}
    )
    assert await list_page.receive_json_from() == {
        "type": "changed",
        "conversation": conversation_id,
    }
    for socket in (list_page, arb, bureau, colleague, proc_tab):
        await socket.disconnect()


async def test_the_list_page_stops_hearing_of_a_conversation_whose_access_ended(
    people, conversation_id
):
    list_page = await open_socket(people["proc"])
    await list_page.send_json_to({"type": "watch", "path": "/messaging/"})
    await next_of(list_page, "watching")
    arb = await open_socket(people["arb"])
    await join(arb, conversation_id)

    @database_sync_to_async
    def stop_sharing() -> None:
        case = Conversation.objects.select_related("case").get(pk=conversation_id).case
        case_co_handling_end(actor=people["arb_admin"], case=case, agency=agency("procuratorate"))

    await stop_sharing()
    await say(arb, conversation_id, "结束之后")
    await say(arb, conversation_id, "再一条")
    assert await list_page.receive_nothing(timeout=0.2)
    await arb.disconnect()
    await list_page.disconnect()


# --- revocation is pushed: the page hears "revoked" without waiting for the next message ------


async def revoked_without_a_message(communicator: WebsocketCommunicator, conversation: int):
    """The next frame that is not presence chatter is "revoked", and then nothing more."""
    assert await asyncio.wait_for(next_of(communicator, "revoked"), 5) == {
        "type": "revoked",
        "conversation": conversation,
    }
    assert await communicator.receive_nothing(timeout=0.2)


async def test_ending_a_co_handling_revokes_the_case_conversation_at_once(people, conversation_id):
    proc = await open_socket(people["proc"])
    await join(proc, conversation_id)

    @database_sync_to_async
    def stop_sharing() -> None:
        case = Conversation.objects.select_related("case").get(pk=conversation_id).case
        case_co_handling_end(actor=people["arb_admin"], case=case, agency=agency("procuratorate"))

    await stop_sharing()
    await revoked_without_a_message(proc, conversation_id)
    await proc.disconnect()


async def test_returning_a_referral_revokes_the_shared_case_conversation_at_once(people):
    @database_sync_to_async
    def shared_by_referral() -> tuple[int, object]:
        case = make_case(agency_code="arbitration", actor=people["arb"])
        referral = move(draft(people["arb"], "procuratorate", case=case), "send", people["arb"])
        move(referral, "acknowledge", people["proc"])
        conversation = services.conversation_for_case(actor=people["proc"], case_id=case.pk)
        return conversation.pk, referral

    conversation, referral = await shared_by_referral()
    proc_admin = await database_sync_to_async(member)(
        "proc.admin", "procuratorate", Role.AGENCY_ADMIN
    )
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation)
    await join(proc, conversation)
    await database_sync_to_async(move)(referral, "return", proc_admin)
    await revoked_without_a_message(proc, conversation)
    await say(arb, conversation, "退回之后")  # the sender's agency keeps its case
    assert await proc.receive_nothing(timeout=0.2)
    await arb.disconnect()
    await proc.disconnect()


async def test_leaving_the_agency_revokes_its_liaison_channel_at_once(people):
    channel = await database_sync_to_async(services.conversation_for_liaison)(
        actor=people["arb"], agency_codes=["arbitration", "procuratorate"]
    )
    proc = await open_socket(people["proc"])
    await join(proc, channel.pk)
    await database_sync_to_async(membership_end)(actor=None, user=people["proc"])
    await revoked_without_a_message(proc, channel.pk)
    await proc.disconnect()


async def test_a_deactivated_account_loses_every_conversation_at_once(people, conversation_id):
    channel = await database_sync_to_async(services.conversation_for_liaison)(
        actor=people["arb"], agency_codes=["arbitration", "procuratorate"]
    )
    proc = await open_socket(people["proc"])
    await join(proc, conversation_id)
    await join(proc, channel.pk)

    @database_sync_to_async
    def deactivate() -> None:
        user = User.objects.get(pk=people["proc"].pk)
        user.is_active = False
        user.save(update_fields=["is_active"])

    await deactivate()
    revoked = [await asyncio.wait_for(next_of(proc, "revoked"), 5) for _ in range(2)]
    assert {frame["conversation"] for frame in revoked} == {conversation_id, channel.pk}
    assert await proc.receive_nothing(timeout=0.2)
    await proc.disconnect()


async def test_those_who_keep_access_hear_nothing_of_anothers_revocation(people, conversation_id):
    """The case's own agency hears the push too, asks again and stays in the conversation."""
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)

    @database_sync_to_async
    def stop_sharing() -> None:
        case = Conversation.objects.select_related("case").get(pk=conversation_id).case
        case_co_handling_end(actor=people["arb_admin"], case=case, agency=agency("procuratorate"))

    await stop_sharing()
    await revoked_without_a_message(proc, conversation_id)
    heard = []
    while not await arb.receive_nothing(timeout=0.3):
        heard.append((await arb.receive_json_from())["type"])
    assert "revoked" not in heard
    colleague = await open_socket(people["arb_admin"])
    await join(colleague, conversation_id)
    await say(colleague, conversation_id, "还在")
    assert (await next_of(arb, "message.new"))["body"] == "还在"
    await colleague.disconnect()
    await arb.disconnect()
    await proc.disconnect()


async def test_relaying_a_message_asks_the_database_nothing(people, conversation_id, monkeypatch):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)

    async def no_database(*args, **kwargs):
        raise AssertionError("a relay asked the database")

    monkeypatch.setattr(consumers, "may_see_now", no_database)
    await say(arb, conversation_id, "不查库")
    assert (await next_of(proc, "message.new"))["body"] == "不查库"
    await arb.disconnect()
    await proc.disconnect()


async def test_an_answer_older_than_the_backstop_is_asked_again(
    people, conversation_id, monkeypatch
):
    arb = await open_socket(people["arb"])
    proc = await open_socket(people["proc"])
    await join(arb, conversation_id)
    await join(proc, conversation_id)
    asked = []
    real = consumers.may_see_now

    async def counted(user_id, conversation):
        asked.append(user_id)
        return await real(user_id, conversation)

    monkeypatch.setattr(consumers, "may_see_now", counted)
    monkeypatch.setattr(consumers, "ACCESS_RECHECK_SECONDS", 0.0)
    await say(arb, conversation_id, "过期复查")
    assert (await next_of(proc, "message.new"))["body"] == "过期复查"
    assert people["proc"].pk in asked  # (presence chatter of the joins is asked again too)
    await arb.disconnect()
    await proc.disconnect()


async def test_the_read_only_leader_reads_the_conversation_and_writes_nothing_into_it(people):
    """Issue 17, item 5: every writing command of the socket is refused to the leader."""
    leader = await database_sync_to_async(member)("leader", "bureau", Role.LEADER)
    colleague = await database_sync_to_async(member)("bureau.admin", "bureau", Role.AGENCY_ADMIN)
    case = await database_sync_to_async(make_case)(agency_code="bureau", actor=people["bureau"])
    conversation = await database_sync_to_async(services.conversation_for_case)(
        actor=people["bureau"], case_id=case.pk
    )
    asked = await database_sync_to_async(services.message_send)(
        actor=people["bureau"],
        conversation=conversation,
        body="请领导阅示，工人电话13812345678",
        mention_user_ids=[leader.pk, colleague.pk],
        ack_requested=True,  # of the colleague: the leader is told, and asked for nothing
    )
    socket = await open_socket(leader)
    frames = await join(socket, conversation.pk)
    # what the leader reads of a message, caught up or live: its personal numbers masked
    read = [frame["body"] for frame in frames if frame["type"] == "message.new"]
    assert read == ["请领导阅示，工人电话138****5678"]
    await database_sync_to_async(services.message_send)(
        actor=people["bureau"], conversation=conversation, body="身份证440105199003071235"
    )
    assert (await next_of(socket, "message.new"))["body"] == "身份证4401**********1235"
    for command in (
        {"type": "send", "conversation": conversation.pk, "body": "同意"},
        {"type": "edit", "message": asked.pk, "body": "改"},
        {"type": "delete", "message": asked.pk},
    ):
        await socket.send_json_to(command)
        error = await next_of(socket, "error")
        assert error["error"] == "refused", command
    await socket.send_json_to({"type": "ack", "message": asked.pk})
    assert (await next_of(socket, "error"))["error"] == "refused"
    stored = await database_sync_to_async(list)(
        Message.objects.order_by("pk").values_list("body", flat=True)
    )
    assert stored == ["请领导阅示，工人电话13812345678", "身份证440105199003071235"]
    asked_of = await database_sync_to_async(list)(
        Acknowledgement.objects.values_list("user_id", "acknowledged_at")
    )
    assert asked_of == [(colleague.pk, None)]
    await socket.disconnect()


async def test_numbers_too_large_for_any_id_are_malformed_frames(people, conversation_id):
    arb = await open_socket(people["arb"])
    await arb.send_json_to({"type": "join", "conversation": "9" * 25})
    assert await arb.receive_json_from() == {"type": "error", "error": "malformed"}
    await arb.send_json_to({"type": "join", "conversation": 10**30})
    assert await arb.receive_json_from() == {"type": "error", "error": "malformed"}
    await join(arb, conversation_id)
    await arb.disconnect()


# --- presence when Redis fails --------------------------------------------------------------


async def test_a_socket_whose_consumer_failed_with_redis_away_is_not_listed_online_for_good(
    people, conversation_id, monkeypatch
):
    arb = await open_socket(people["arb"])
    await join(arb, conversation_id)
    with mock.patch.object(get_channel_layer(), "group_send", side_effect=RedisDown("gone")):
        await arb.send_json_to({"type": "typing", "conversation": conversation_id})
        with pytest.raises(RedisDown):  # the server closes such a socket with 1011
            await arb.receive_output(timeout=1)
    # This process no longer confirms it: the roster entry goes stale instead of living on.
    assert presence._local().entries == {}
    later = time.time() + presence.STALE_SECONDS + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    proc = await open_socket(people["proc"])
    frames = await join(proc, conversation_id)
    assert [frame for frame in frames if frame["type"] == "presence"] == []
    assert await proc.receive_nothing(timeout=0.2)
    await proc.disconnect()


async def test_a_socket_closed_while_redis_is_away_leaves_every_roster_all_the_same(
    people, conversation_id
):
    arb = await open_socket(people["arb"])
    await join(arb, conversation_id)
    layer = get_channel_layer()
    with (
        mock.patch.object(layer, "group_discard", side_effect=RedisDown("gone")),
        mock.patch.object(layer, "group_send", side_effect=RedisDown("gone")),
    ):
        await arb.disconnect()
    assert presence._local().entries == {}
    assert conversation_id not in presence._memory


# --- a long backlog ----------------------------------------------------------------------------


async def test_a_page_that_missed_more_than_one_page_of_messages_gets_them_all_in_pages(
    people, conversation_id
):
    missed = CATCH_UP_LIMIT + 37

    @database_sync_to_async
    def write_backlog() -> list[int]:
        Message.objects.bulk_create(
            Message(conversation_id=conversation_id, author=people["arb"], body=f"第{n}条")
            for n in range(missed)
        )
        return list(
            Message.objects.filter(conversation_id=conversation_id)
            .order_by("id")
            .values_list("id", flat=True)
        )

    ids = await write_backlog()
    proc = await open_socket(people["proc"])
    got: list[int] = []
    pages = []
    after = 0
    while True:  # as static/js/messaging.js does: join again after `last` while `more`
        await proc.send_json_to({"type": "join", "conversation": conversation_id, "after": after})
        while (frame := await proc.receive_json_from())["type"] != "caught_up":
            if frame["type"] == "message.new":
                got.append(frame["id"])
        pages.append(frame)
        after = frame["last"]
        if not frame["more"]:
            break
    assert got == ids  # every one, in order, none twice
    assert [page["more"] for page in pages] == [True, False]
    assert pages[0]["last"] == ids[CATCH_UP_LIMIT - 1]
    await proc.disconnect()
