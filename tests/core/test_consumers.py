"""The notification WebSocket, through the real ASGI application with a real session."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from config.asgi import application
from portal.core.models import User
from portal.core.notifications import notification_mark_read, notify

from ..factories import UserFactory

PATH = "/ws/notifications/"
ORIGIN = (b"origin", b"http://localhost")

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """Each test gets its own layer: a shared Redis would mix pushes of parallel test runs."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest_asyncio.fixture(autouse=True)
async def close_worker_connections():
    """The consumer and the database_sync_to_async calls share one worker thread: close its
    connection, or PostgreSQL cannot drop the test database at the end of the run."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def user(transactional_db) -> User:
    return UserFactory(username="ws.user")


@database_sync_to_async
def session_cookie(user: User) -> bytes:
    """A session as a browser holds it after logging in."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def connect(*headers: tuple[bytes, bytes]) -> tuple[WebsocketCommunicator, bool, object]:
    communicator = WebsocketCommunicator(application, PATH, headers=list(headers))
    connected, detail = await communicator.connect()
    return communicator, connected, detail


async def test_an_anonymous_connection_is_refused():
    communicator, connected, code = await connect(ORIGIN)
    assert connected is False
    assert code == 4401
    await communicator.disconnect()


async def test_a_stale_session_is_refused(user):
    communicator, connected, _ = await connect(ORIGIN, (b"cookie", b"sessionid=not-a-session"))
    assert connected is False
    await communicator.disconnect()


async def test_a_foreign_origin_is_rejected_even_with_a_valid_session(user):
    cookie = await session_cookie(user)
    communicator, connected, _ = await connect(
        (b"origin", b"https://evil.example.com"), (b"cookie", cookie)
    )
    assert connected is False
    await communicator.disconnect()


async def test_a_connection_without_an_origin_is_rejected(user):
    cookie = await session_cookie(user)
    communicator, connected, _ = await connect((b"cookie", cookie))
    assert connected is False
    await communicator.disconnect()


async def test_a_signed_in_user_gets_the_count_and_then_every_new_count(user):
    await database_sync_to_async(notify)(recipients=[user], title="一", email=False)
    communicator, connected, _ = await connect(ORIGIN, (b"cookie", await session_cookie(user)))
    assert connected is True
    assert await communicator.receive_json_from() == {"type": "notification.count", "unread": 1}

    await database_sync_to_async(notify)(recipients=[user], title="二", email=False)
    assert await communicator.receive_json_from() == {"type": "notification.count", "unread": 2}

    await database_sync_to_async(notification_mark_read)(actor=user)
    assert await communicator.receive_json_from() == {"type": "notification.count", "unread": 0}
    await communicator.disconnect()


async def test_nobody_receives_someone_elses_counts(user):
    other = await database_sync_to_async(UserFactory)(username="ws.other")
    communicator, connected, _ = await connect(ORIGIN, (b"cookie", await session_cookie(user)))
    assert connected is True
    assert await communicator.receive_json_from() == {"type": "notification.count", "unread": 0}
    await database_sync_to_async(notify)(recipients=[other], title="别人的", email=False)
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_the_channel_is_read_only(user):
    communicator, connected, _ = await connect(ORIGIN, (b"cookie", await session_cookie(user)))
    assert connected is True
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "notification.mark_read"})
    assert await communicator.receive_json_from() == {"type": "error", "error": "read-only channel"}
    await communicator.disconnect()


async def test_a_closed_page_leaves_its_group(user):
    communicator, connected, _ = await connect(ORIGIN, (b"cookie", await session_cookie(user)))
    assert connected is True
    await communicator.receive_json_from()
    await communicator.disconnect()
    layer = get_channel_layer()
    assert not layer.groups.get(f"user.{user.pk}")


@pytest.mark.redis
async def test_counts_are_pushed_through_the_redis_channel_layer(settings, user):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A prefix of our own: other test runs may share this Redis server.
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }
    layer = get_channel_layer()
    try:
        communicator, connected, _ = await connect(ORIGIN, (b"cookie", await session_cookie(user)))
        assert connected is True
        assert await communicator.receive_json_from(timeout=5) == {
            "type": "notification.count",
            "unread": 0,
        }
        await database_sync_to_async(notify)(recipients=[user], title="一", email=False)
        assert await communicator.receive_json_from(timeout=5) == {
            "type": "notification.count",
            "unread": 1,
        }
        await communicator.disconnect()
    finally:
        await layer.flush()
        await layer.close_pools()
