"""Sessions in the database, a changed session saved with one UPDATE."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _stored(key: str) -> dict:
    return SessionStore(session_key=key).load()


def test_a_new_session_is_created_in_the_database():
    session = SessionStore()
    session["draft"] = "工资"
    session.save()

    assert Session.objects.filter(session_key=session.session_key).exists()
    assert _stored(session.session_key) == {"draft": "工资"}


def test_a_changed_session_is_saved_with_one_update_and_no_transaction_of_its_own():
    session = SessionStore()
    session["draft"] = "工资"
    session.save()
    session = SessionStore(session_key=session.session_key)
    session["draft"] = "加班费"
    session.set_expiry(600)

    with CaptureQueriesContext(connection) as captured:
        session.save()

    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert statements == ["UPDATE"]
    assert _stored(session.session_key) == {"draft": "加班费", "_session_expiry": 600}
    row = Session.objects.get(session_key=session.session_key)
    assert abs((row.expire_date - session.get_expiry_date()).total_seconds()) < 5


def test_saving_a_session_deleted_meanwhile_raises_update_error():
    session = SessionStore()
    session["draft"] = "工资"
    session.save()
    Session.objects.filter(session_key=session.session_key).delete()
    session["draft"] = "加班费"

    with pytest.raises(UpdateError):
        session.save()

    assert not Session.objects.exists()


def test_a_session_saved_with_must_create_refuses_a_taken_key():
    session = SessionStore()
    session.save()
    twin = SessionStore(session_key=session.session_key)

    with pytest.raises(CreateError):
        twin.save(must_create=True)

    assert Session.objects.count() == 1
