"""Private file storage (evidence, attachments, documents, kiosk drafts) that leaves nothing
half-written behind.

Django's FileSystemStorage creates the file, then writes it: a full disk (ENOSPC) leaves a
0-byte file where the error struck. This storage removes what it created in a failed save and
raises FileNotStored, which callers turn into a message in the user's language (the draft or
form kept; elsewhere the middleware answers with the same message). A file saved inside a
transaction that then rolls back is removed once the request or task is over
(discard_uncommitted), so no row-less file stays behind."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils.translation import gettext as _


class FileNotStored(OSError):
    """A file could not be written (a full disk, a quota, an I/O error)."""

    @staticmethod
    def message() -> str:
        return _(
            "The file could not be stored: the server's storage is full or failing. Nothing "
            "else was lost; please try again later, or ask the staff."
        )


class PrivateStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        existed = os.path.lexists(full_path)
        try:
            saved = super()._save(name, content)  # type: ignore[misc]
        except FileExistsError:
            raise
        except OSError as exc:
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(full_path)
            raise FileNotStored(exc.errno, exc.strerror or str(exc)) from exc
        _remember_until_commit(saved)
        return saved


# --- files saved in a transaction that rolled back ---------------------------------------------

_UNCOMMITTED = "portal_files_uncommitted"


def _remember_until_commit(name: str) -> None:
    """A file saved inside a transaction is kept only if that transaction commits: until then
    its name waits here, and discard_uncommitted() removes it once the transaction is over."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    pending: set[str] = connection.__dict__.setdefault(_UNCOMMITTED, set())
    pending.add(name)
    transaction.on_commit(lambda: pending.discard(name))


def discard_uncommitted() -> int:
    """Remove the files saved in transactions that rolled back (at the end of a request or a
    task, when no transaction is open any more). Returns how many went."""
    connection = transaction.get_connection()
    pending: set[str] = connection.__dict__.get(_UNCOMMITTED, set())
    if connection.in_atomic_block or not pending:
        return 0
    names = list(pending)
    pending.clear()
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)
    return len(names)
