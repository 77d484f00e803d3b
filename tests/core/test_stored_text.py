"""Notifications, history notes and deadline names are stored by key and shown in the reader's
language: an English page shows no Chinese one wrote while someone else read Chinese."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from portal.core.models import DeadlinePolicy, Notification
from portal.core.stored_text import shown, stored_text
from portal.mediation.models import InstalmentStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "您已被指派承办案件 X-1"), ("en", "You were assigned case X-1")],
)
def test_stored_text_is_shown_in_the_readers_language(language, expected):
    with translation.override("zh-hans"):  # written while someone used Chinese
        text = stored_text(gettext_lazy("You were assigned case %(number)s"), number="X-1")
    with translation.override(language):
        assert shown(text) == expected


def test_a_label_among_the_values_is_translated_too():
    text = stored_text("%(when)s %(answer)s", when="2026-12-01", answer=InstalmentStatus.DUE.label)
    with translation.override("en"):
        assert shown(text) == "2026-12-01 Not yet paid"
    with translation.override("zh-hans"):
        assert shown(text) == "2026-12-01 待支付"


@pytest.mark.parametrize("plain", ["", "材料齐全，予以受理", '{"not": "ours"}'])
def test_text_typed_by_a_person_is_shown_as_typed(plain):
    assert shown(plain) == plain


def test_the_notifications_page_shows_a_notification_in_english_to_an_english_reader(
    client, arbitrator
):
    with translation.override("zh-hans"):
        Notification.objects.create(
            recipient=arbitrator,
            title=stored_text(gettext_lazy("You were assigned case %(number)s"), number="X-9"),
        )
    client.force_login(arbitrator)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("core:notifications")).content.decode()
    assert "You were assigned case X-9" in page
    assert "msgid" not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Review of the application for acceptance"), ("zh-hans", "仲裁申请受理审查")],
)
def test_a_seeded_deadline_name_is_shown_in_the_readers_language(language, expected):
    policy = DeadlinePolicy.objects.get(key="case.acceptance")
    with translation.override(language):
        assert str(policy.label) == expected


def test_a_deadline_name_an_admin_changed_is_shown_as_written():
    policy = DeadlinePolicy.objects.get(key="case.acceptance")
    policy.name = "受理审查（本委）"
    with translation.override("en"):
        assert policy.label == "受理审查（本委）"


def test_the_agency_badge_is_in_english_on_an_english_page(client, arbitrator):
    client.force_login(arbitrator)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("core:home")).content.decode()
    assert "Haizhu Arbitration Committee" in page
    assert "海珠区仲裁委" not in page
