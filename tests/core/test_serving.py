"""How the portal is served: HEAD on public pages, compression, the site's root files, and
machine-readable times."""

from __future__ import annotations

import datetime
import gzip
import zoneinfo

import pytest
from django.template import Context, Template
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["healthz", "kiosk:start", "kiosk:resume", "kiosk:status", "login"]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_head_answers_200_on_public_pages(client, name):
    assert client.head(reverse(name)).status_code == 200


def test_pages_are_sent_gzipped_to_a_browser_that_accepts_it(client):
    response = client.get(reverse("kiosk:start"), headers={"accept-encoding": "gzip, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "<!DOCTYPE html>" in gzip.decompress(response.content).decode()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/favicon.ico", "image/"), ("/robots.txt", "text/plain")],
)
def test_favicon_and_robots_are_served_at_the_root(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)


def test_robots_keep_crawlers_out_of_a_portal_of_personal_data(client):
    body = b"".join(client.get("/robots.txt").streaming_content).decode()
    assert "Disallow: /" in body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            datetime.datetime(2026, 9, 25, 6, 30, 15, 123456, tzinfo=datetime.UTC),
            "2026-09-25T14:30:15+08:00",
        ),
        (
            datetime.datetime(
                2026, 9, 25, 14, 30, 15, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")
            ),
            "2026-09-25T14:30:15+08:00",
        ),
        (datetime.date(2026, 10, 9), "2026-10-09"),
        (None, ""),
    ],
)
def test_time_datetime_attribute_has_no_fraction_of_a_second(value, expected):
    rendered = Template("{% load portal %}{{ value|iso }}").render(Context({"value": value}))
    assert rendered == expected
