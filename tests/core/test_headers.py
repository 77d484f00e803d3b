"""Response headers (issue 17, item 7): a Content-Security-Policy without inline script on
every kind of page, and `Cache-Control: private, no-store` on pages and downloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.cases.services import case_evidence_add
from tests.helpers import png_bytes

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _pages(arbitration_case, arbitrator, arbitration_admin):
    """(kind of page, client, url, expected status): one of every kind the portal answers."""
    evidence = case_evidence_add(
        actor=arbitrator,
        case=arbitration_case,
        upload=SimpleUploadedFile("photo.png", png_bytes(), "image/png"),
    )
    staff = _client(arbitrator)
    arbitration_admin.is_staff = True
    arbitration_admin.save(update_fields=["is_staff"])
    return [
        ("public page", _client(), reverse("login"), 200),
        ("signed-in page", staff, reverse("cases:detail", kwargs={"pk": arbitration_case.pk}), 200),
        (
            "conversation page",
            staff,
            reverse("messaging:case", kwargs={"pk": arbitration_case.pk}),
            200,
        ),
        ("kiosk page", _client(), reverse("kiosk:start"), 200),
        ("kiosk status page", _client(), reverse("kiosk:status"), 200),
        ("admin page", _client(arbitration_admin), reverse("admin:index"), 200),
        (
            "download",
            staff,
            reverse(
                "cases:evidence-download",
                kwargs={"pk": arbitration_case.pk, "evidence_pk": evidence.pk},
            ),
            200,
        ),
        ("not found", staff, "/cases/999999/", 404),
        ("redirect", _client(), reverse("cases:list"), 302),
        ("health check", _client(), reverse("healthz"), 200),
    ]


def test_every_kind_of_page_carries_the_policy_and_is_not_stored(
    arbitration_case, arbitrator, arbitration_admin
):
    for kind, client, url, status in _pages(arbitration_case, arbitrator, arbitration_admin):
        response = client.get(url)
        assert response.status_code == status, kind
        policy = response.headers.get("Content-Security-Policy", "")
        directives = dict(
            (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
        )
        assert directives.get("script-src") == ["'self'"], kind
        assert directives.get("style-src") == ["'self'"], kind
        assert directives.get("frame-ancestors") == ["'none'"], kind
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, kind
        cache = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= cache, kind


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def test_no_template_a_browser_gets_has_inline_script_or_style():
    """The policy allows no inline script or style: every page template (not the PDFs', which
    the renderer reads, not a browser) keeps them in static files."""
    offending = []
    for path in TEMPLATES.rglob("*.html"):
        if "pdf" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE):
            offending += [
                f"{path.relative_to(TEMPLATES)}: {m.group()}" for m in pattern.finditer(text)
            ]
    assert offending == []
