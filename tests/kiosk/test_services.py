"""The kiosk's own services: saved drafts and the purge of what visitors leave behind."""

from __future__ import annotations

import datetime
import os
import time
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from portal.cases import secret_hashing
from portal.core.models import AuditEvent
from portal.kiosk.drafts import Draft, DraftFile
from portal.kiosk.models import FilingDraft
from portal.kiosk.services import draft_resume, draft_save, kiosk_drafts_purge
from portal.kiosk.tasks import kiosk_drafts_purge_task

from .conftest import answers

pytestmark = pytest.mark.django_db


def a_draft(**kwargs) -> Draft:
    return Draft(token="t0k3n", started=time.time(), terminal=False, answers=answers(), **kwargs)


def draft_file(path: str) -> DraftFile:
    default_storage.save(path, ContentFile(b"\x89PNG fake"))
    return DraftFile(
        id="f1",
        path=path,
        name="a.png",
        content_type="image/png",
        extension="png",
        size=9,
        sha256="0" * 64,
    )


def test_the_first_save_reserves_a_tracking_number_and_gives_a_secret_once():
    draft = a_draft()
    saved = draft_save(draft=draft)
    assert saved.secret and saved.draft.tracking_number.startswith("KL-")
    assert saved.secret not in saved.draft.secret_hash
    assert AuditEvent.objects.filter(action="kiosk.draft_save").count() == 1
    draft.saved = saved.draft.tracking_number
    again = draft_save(draft=draft)
    assert again.secret == ""
    assert again.draft.pk == saved.draft.pk
    assert FilingDraft.objects.count() == 1


def test_a_saved_draft_is_resumed_only_with_its_secret_and_only_before_it_expires():
    saved = draft_save(draft=a_draft())
    number = saved.draft.tracking_number
    assert draft_resume(tracking_number=number, secret=saved.secret) == saved.draft
    assert draft_resume(tracking_number=number, secret="WRONG234") is None
    FilingDraft.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert draft_resume(tracking_number=number, secret=saved.secret) is None


def test_an_unknown_draft_number_costs_a_keyed_hash_like_a_wrong_secret():
    with mock.patch.object(
        secret_hashing, "salted_hmac", wraps=secret_hashing.salted_hmac
    ) as checked:
        assert draft_resume(tracking_number="KL-2026-123456", secret="ABCD2345") is None
    assert checked.call_count == 1


def test_the_purge_deletes_expired_drafts_with_their_files_and_keeps_the_rest():
    old_file = draft_file("kiosk-drafts/old/a.png")
    new_file = draft_file("kiosk-drafts/new/b.png")
    expired = draft_save(draft=a_draft(files=[old_file])).draft
    fresh = draft_save(draft=a_draft(files=[new_file])).draft
    FilingDraft.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert kiosk_drafts_purge() == 1
    assert list(FilingDraft.objects.all()) == [fresh]
    assert not default_storage.exists(old_file.path)
    assert default_storage.exists(new_file.path)
    assert AuditEvent.objects.filter(action="kiosk.draft_purge").count() == 1


def test_the_purge_deletes_files_a_visitor_left_behind_once_their_session_is_over():
    left = draft_file("kiosk-drafts/gone/c.png")
    young = draft_file("kiosk-drafts/here/d.png")
    long_ago = time.time() - django_settings.KIOSK_SESSION_SECONDS - 7200
    os.utime(default_storage.path(left.path), (long_ago, long_ago))
    assert kiosk_drafts_purge() == 1
    assert not default_storage.exists(left.path)
    assert default_storage.exists(young.path)


def test_the_purge_runs_hourly_from_the_beat_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["kiosk-draft-purge"]
    assert entry == {"task": "portal.kiosk.tasks.kiosk_drafts_purge_task", "schedule": 3600}
    expired = draft_save(draft=a_draft()).draft
    FilingDraft.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert kiosk_drafts_purge_task.delay().get() == 1
    assert not FilingDraft.objects.exists()


def test_the_purge_copes_with_no_draft_files_at_all():
    assert kiosk_drafts_purge() == 0


def test_the_purge_deletes_expired_sessions_with_the_drafts_in_them(client):
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    client.post(reverse("kiosk:new"))
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    kiosk_drafts_purge()
    assert not Session.objects.filter(session_key=key).exists()
