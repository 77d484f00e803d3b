"""The public filing under faults: the cache (Redis) restarting, a submit sent again after its
commit, and a full disk. A claimant never sees the error page, and loses nothing typed."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisDown

from portal.cases.models import Case
from portal.core.bootstrap import seed_reference_data
from portal.kiosk import drafts
from portal.kiosk.drafts import RECEIPT_KEY

from ..helpers import png_bytes, run_at_once
from .conftest import Filer, answers

pytestmark = pytest.mark.django_db


def cache_down():
    """Every counter call fails as while Redis restarts."""
    down = RedisDown("Error 111 connecting to redis:6379. Connection refused.")
    return mock.patch.multiple(
        cache,
        add=mock.Mock(side_effect=down),
        incr=mock.Mock(side_effect=down),
        get_many=mock.Mock(side_effect=down),
    )


# --- the cache restarting ----------------------------------------------------------------------


def test_a_submit_goes_through_uncounted_while_the_rate_limit_counters_are_away():
    visitor = Filer(Client())
    visitor.fill(answers())
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


# --- a submit sent again -----------------------------------------------------------------------


def test_a_submit_sent_again_after_its_answer_was_lost_shows_the_first_receipt():
    """The web worker was killed after the commit, before the answer: the session was never
    saved, so the visitor's screen still holds the draft and submits it again."""
    visitor = Filer(Client())
    visitor.fill(answers())
    before = dict(visitor.client.session.items())
    first = visitor.submit()
    receipt = visitor.client.session[RECEIPT_KEY]
    session = visitor.client.session
    session.clear()
    session.update(before)  # as it was before the lost answer
    session.save()

    again = visitor.submit()

    assert again.status_code == 302
    assert again["Location"] == first["Location"] == reverse("kiosk:receipt")
    assert Case.objects.count() == 1
    assert visitor.client.session[RECEIPT_KEY]["case"] == receipt["case"]
    assert visitor.client.session[RECEIPT_KEY]["secret"] == receipt["secret"]
    page = visitor.client.get(reverse("kiosk:receipt")).content.decode()
    assert Case.objects.get().tracking_number in page


def test_a_submit_sent_again_after_an_error_following_the_commit_shows_the_receipt():
    visitor = Filer(Client(raise_request_exception=False))
    visitor.fill(answers())
    with mock.patch.object(drafts, "draft_drop", side_effect=RuntimeError("worker killed")):
        assert visitor.submit().status_code == 500
    again = visitor.submit()
    assert again.status_code == 302
    assert again["Location"] == reverse("kiosk:receipt")
    assert Case.objects.count() == 1
    assert visitor.client.get(reverse("kiosk:receipt")).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_draft_at_once_file_one_case_and_both_get_its_receipt():
    seed_reference_data()  # a transactional test starts from a flushed database
    visitor = Filer(Client())
    visitor.fill(answers())
    cookies = visitor.client.cookies

    def submit() -> tuple[int, str]:
        client = Client()
        client.cookies = cookies
        response = client.post(visitor.url("review"), {"confirm": "on", "website": ""})
        return response.status_code, response.get("Location", "")

    results, errors = run_at_once([submit, submit])
    assert errors == []
    assert results == [(302, reverse("kiosk:receipt"))] * 2
    assert Case.objects.count() == 1


# --- a full disk -------------------------------------------------------------------------------


class _FullDisk:
    """A file opened for writing on a full disk: created, then every write fails."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        self.handle.close()


@contextlib.contextmanager
def disk_full():
    """Storage writes fail with ENOSPC after the file was created (as FileSystemStorage does)."""
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real(fd, mode, *args, **kwargs)
        return _FullDisk(handle) if "w" in mode else handle

    with mock.patch("django.core.files.storage.filesystem.os.fdopen", side_effect=fdopen):
        yield


def stored_files() -> list[Path]:
    root = Path(default_storage.location)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_an_upload_on_a_full_disk_is_refused_in_words_and_leaves_no_empty_file():
    visitor = Filer(Client())
    visitor.fill(answers(), until="evidence")
    with disk_full():
        response = visitor.post(
            "evidence", {"file": SimpleUploadedFile("a.png", png_bytes()), "nav": "upload"}
        )
    assert response.status_code == 200
    assert "文件未能保存" in response.content.decode()
    assert stored_files() == []
    # The draft is kept: the next try, with room on the disk, goes on from here.
    response = visitor.post(
        "evidence", {"file": SimpleUploadedFile("a.png", png_bytes()), "nav": "upload"}
    )
    assert response.status_code == 200
    assert len(stored_files()) == 1


def test_a_submit_whose_evidence_cannot_be_stored_keeps_the_draft_and_no_evidence_file():
    visitor = Filer(Client())
    visitor.fill(answers(), until="evidence")
    for name in ("a.png", "b.png"):
        visitor.post("evidence", {"file": SimpleUploadedFile(name, png_bytes()), "nav": "upload"})
    visitor.fill(
        {step: values for step, values in answers().items() if step in ("evidence", "mediation")}
    )
    drafted = stored_files()
    assert len(drafted) == 2

    writes = iter([False, True])  # the first evidence file is copied, the second hits a full disk
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real(fd, mode, *args, **kwargs)
        return _FullDisk(handle) if "w" in mode and next(writes) else handle

    with mock.patch("django.core.files.storage.filesystem.os.fdopen", side_effect=fdopen):
        response = visitor.submit()

    assert response.status_code == 200
    assert "文件未能保存" in response.content.decode()
    assert Case.objects.count() == 0
    assert stored_files() == drafted  # the draft's files, and no evidence/ file at all
    assert visitor.submit().status_code == 302  # once there is room, the same draft files
    assert Case.objects.get().evidence.count() == 2


def test_a_staff_upload_on_a_full_disk_answers_in_words_not_with_the_error_page(
    client, arbitrator, arbitration_case
):
    client.force_login(arbitrator)
    url = reverse("cases:evidence-add", kwargs={"pk": arbitration_case.pk})
    with disk_full():
        response = client.post(url, {"file": SimpleUploadedFile("a.png", png_bytes())})
    assert response.status_code == 507
    assert "文件未能保存" in response.content.decode()
    assert stored_files() == []
