"""Sessions live in the database, with or without Redis: a claimant's kiosk draft is kept in
the session and must outlive a restart of Redis."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_a_kiosk_draft_in_the_session_outlives_the_cache(client):
    session = client.session
    session["draft"] = "工资"
    session.save()

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert Session.objects.get(session_key=session.session_key).get_decoded() == {"draft": "工资"}
