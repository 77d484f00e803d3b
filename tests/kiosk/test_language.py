"""Plain Chinese on every kiosk screen (with English one switch away), and on the intake desk."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.cases.models import CaseChannel
from portal.cases.services.intake import case_file, case_request_material

# compiled_messages: a fixture (compiles the catalogues when they are stale)
from ..core.test_translations import compiled_messages, english_words  # noqa: F401
from ..factories import case_data
from .conftest import Filer, answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_messages")]


def chinese(response) -> str:
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    # An address (the status page's, on the receipt) is no English word.
    words = english_words(re.sub(r"https?://[^\s<\"]+", "", html))
    assert words == set(), words
    return html


def test_every_filing_screen_speaks_chinese_also_with_errors():
    visitor = Filer(Client(HTTP_ACCEPT_LANGUAGE="zh-CN"), terminal=True)
    chinese(visitor.client.get(reverse("kiosk:start")))
    for step, values in answers().items():
        chinese(visitor.get(step))
        empty = {"claimants": {"count": "2"}, "claims": {"count": "2"}}.get(step, {})
        if step == "evidence":
            empty = {"nav": "upload"}  # "choose a file first"
        chinese(visitor.post(step, empty))  # every field's error
        visitor.post(step, values)
    chinese(visitor.get("review"))
    chinese(visitor.post("review", {}))
    visitor.submit()
    chinese(visitor.client.get(reverse("kiosk:receipt")))


def test_the_saved_resume_and_status_pages_speak_chinese(arbitrator):
    visitor = Filer(Client(HTTP_ACCEPT_LANGUAGE="zh-CN"))
    visitor.fill(answers(), until="facts")
    saved = visitor.post("facts", {"facts": "", "nav": "save"})["Location"]
    chinese(visitor.client.get(saved))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    chinese(client.get(reverse("kiosk:resume")))
    chinese(client.post(reverse("kiosk:resume"), {"tracking_number": "x", "secret": ""}))
    chinese(client.get(reverse("kiosk:status")))
    filed = case_file(data=case_data(), channel=CaseChannel.KIOSK)
    case_request_material(actor=arbitrator, case=filed.case, missing="请补充工资条")
    client.post(
        reverse("kiosk:status"),
        {"tracking_number": filed.case.tracking_number, "secret": filed.secret},
    )
    chinese(client.get(reverse("kiosk:status")))


def test_the_too_many_attempts_page_speaks_chinese(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (0, 3600)}
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").post(
        reverse("kiosk:status"), {"tracking_number": "KL-2026-000001", "secret": "ABCD2345"}
    )
    assert response.status_code == 429
    chinese(response)


def test_the_intake_desk_speaks_chinese(arbitrator):
    filed = case_file(data=case_data(claimants=2), channel=CaseChannel.ONLINE)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(arbitrator)
    chinese(client.get(reverse("intake:queue")))
    chinese(client.get(reverse("intake:detail", args=[filed.case.pk])))


def test_english_is_one_switch_away_at_the_kiosk():
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/kiosk/"})
    html = client.get(reverse("kiosk:start")).content.decode()
    assert 'lang="en"' in html
    assert "Start a new filing" in html
