"""The public filing under faults: the cache (Redis) restarting, a submit sent again after its
commit, and a full disk. A claimant never sees the error page, and loses nothing typed."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisDown

from portal.cases.models import Case
from portal.core.deadlines import calendar_snapshot_forget

from .conftest import Filer, answers

pytestmark = pytest.mark.django_db


def cache_down():
    """Every counter call fails as while Redis restarts."""
    down = RedisDown("Error 111 connecting to redis:6379. Connection refused.")
    return mock.patch.multiple(
        cache, add=mock.Mock(side_effect=down), incr=mock.Mock(side_effect=down)
    )


# --- the cache restarting ----------------------------------------------------------------------


def test_a_submit_goes_through_uncounted_while_the_rate_limit_counters_are_away():
    visitor = Filer(Client())
    visitor.fill(answers())
    calendar_snapshot_forget()  # the deadline's working-day calendar asks the cache too
    with cache_down():
        response = visitor.submit()
    assert response.status_code == 302
    assert response["Location"] == reverse("kiosk:receipt")
    assert Case.objects.count() == 1


@pytest.mark.parametrize("page", ["kiosk:status", "kiosk:resume"])
def test_a_lookup_by_secret_is_asked_to_try_again_shortly_while_the_counters_are_away(page):
    with cache_down():
        response = Client().post(
            reverse(page), {"tracking_number": "KL-2026-000001", "secret": "ABCD2345"}
        )
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "请稍后再试" in response.content.decode()
