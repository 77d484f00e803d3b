from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids)."""
    with translation.override("en"):
        yield


@pytest.fixture
def outbox(db):
    """The locmem outbox, taken after the test database (whose setup starts a new one)."""
    return mail.outbox


@pytest.fixture
def client():
    """Pages in English, like the messages the tests assert (the default language is Chinese)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
