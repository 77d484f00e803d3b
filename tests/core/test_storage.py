"""Private storage leaves nothing behind that no row refers to: a save that fails half-way (a
full disk) removes what it created, and a file saved in a transaction that rolls back goes once
the request or task is over."""

from __future__ import annotations

import errno
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from portal.core.storage import FileNotStored, discard_uncommitted


def test_a_save_that_fails_half_way_removes_the_file_it_created(tmp_path):
    chunks = mock.patch.object(
        ContentFile, "chunks", side_effect=OSError(errno.ENOSPC, "No space left on device")
    )
    with chunks, pytest.raises(FileNotStored) as failure:
        default_storage.save("kiosk-drafts/t/a.png", ContentFile(b"x" * 100))
    assert failure.value.errno == errno.ENOSPC
    assert not default_storage.exists("kiosk-drafts/t/a.png")


@pytest.fixture
def nothing_pending():
    """Files that earlier tests saved inside their never-committed test transactions."""
    discard_uncommitted()


@pytest.mark.django_db(transaction=True)
def test_a_file_saved_in_a_transaction_that_rolled_back_goes_and_a_committed_one_stays(
    nothing_pending,
):
    with transaction.atomic():
        kept = default_storage.save("evidence/kept.txt", ContentFile(b"kept"))
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = default_storage.save("evidence/lost.txt", ContentFile(b"lost"))
        raise RuntimeError
    assert discard_uncommitted() == 1
    assert default_storage.exists(kept)
    assert not default_storage.exists(lost)
    assert discard_uncommitted() == 0


@pytest.mark.django_db(transaction=True)
def test_a_file_of_a_rolled_back_savepoint_goes_though_the_outer_transaction_commits(
    nothing_pending,
):
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            lost = default_storage.save("evidence/inner.txt", ContentFile(b"lost"))
            raise RuntimeError
        assert discard_uncommitted() == 0  # not while a transaction is open
    assert discard_uncommitted() == 1
    assert not default_storage.exists(lost)
