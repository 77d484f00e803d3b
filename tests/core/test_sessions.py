"""With Redis, production reads sessions from the shared cache and keeps them in PostgreSQL
(config/settings/base.py): a page reads no session row, and every process sees a change."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

CACHED_DB = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = CACHED_DB
    return settings


def test_a_signed_in_page_reads_its_session_from_the_cache(cached_sessions, arbitration_mediator):
    client = Client()
    client.force_login(arbitration_mediator)
    client.get(reverse("core:home"))

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("core:home")).status_code == 200

    assert not [q for q in captured.captured_queries if '"django_session"' in q["sql"]]
    assert Session.objects.filter(session_key=client.session.session_key).exists()


def test_a_session_changed_by_one_process_is_what_another_reads(cached_sessions):
    from importlib import import_module

    store = import_module(CACHED_DB).SessionStore
    first = store()
    first["kiosk.lang"] = "zh-hans"
    first.save()
    first["kiosk.lang"] = "en"
    first.save()

    # Another process: its own connection to Redis, its own store.
    other_cache = caches.create_connection("default")
    assert other_cache.get(first.cache_key)["kiosk.lang"] == "en"
    assert store(session_key=first.session_key).load()["kiosk.lang"] == "en"


def test_without_the_cache_the_session_still_comes_from_the_database(cached_sessions):
    from importlib import import_module

    store = import_module(CACHED_DB).SessionStore
    session = store()
    session["kiosk.lang"] = "en"
    session.save()
    caches["default"].delete(session.cache_key)  # Redis flushed or restarted

    assert store(session_key=session.session_key).load()["kiosk.lang"] == "en"
