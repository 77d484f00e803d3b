"""A filing in progress, kept in the visitor's server-side session under a random draft token.

The answers stay on the server (never in the browser, which at the kiosk is shared); uploaded
files are checked at once and kept in private storage until the filing is submitted. A
kiosk terminal's idle timeout, or the visitor's "finish", wipes all of it (`kiosk_wipe`)."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from portal.cases.services.intake import StoredFile, secret_new
from portal.core.storage import FileNotStored
from portal.core.uploads import CheckedUpload, check_upload

DRAFTS_KEY = "kiosk.drafts"
TERMINAL_KEY = "kiosk.terminal"
RECEIPT_KEY = "kiosk.receipt"
STATUS_KEY = "kiosk.status"
KIOSK_KEYS = (DRAFTS_KEY, RECEIPT_KEY, STATUS_KEY)
MAX_DRAFTS = 3
DRAFT_FILES_DIR = "kiosk-drafts"


@dataclass
class DraftFile:
    id: str
    path: str
    name: str
    content_type: str
    extension: str
    size: int
    sha256: str
    description: str = ""

    def stored(self) -> StoredFile:
        checked = CheckedUpload(
            content_type=self.content_type,
            extension=self.extension,
            size=self.size,
            sha256=self.sha256,
        )
        return StoredFile(
            path=self.path, original_name=self.name, checked=checked, description=self.description
        )


@dataclass
class Draft:
    token: str
    started: float
    terminal: bool
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    complete: list[str] = field(default_factory=list)
    files: list[DraftFile] = field(default_factory=list)
    saved: str = ""  # the tracking number of its FilingDraft, once saved for later
    saved_secret: str = ""  # shown once on the "saved" page, then dropped
    # The filing's secret, chosen when the draft begins: a submit sent again after its answer
    # was lost shows the same receipt (kiosk.services.filing_submit).
    secret: str = ""

    @classmethod
    def from_session(cls, raw: dict[str, Any]) -> Draft:
        files = [DraftFile(**item) for item in raw.get("files", [])]
        return cls(**{**raw, "files": files})

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    def mark(self, step: str, complete: bool) -> None:
        if complete and step not in self.complete:
            self.complete.append(step)
        elif not complete and step in self.complete:
            self.complete.remove(step)


def _drafts(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return request.session.get(DRAFTS_KEY, {})


def is_terminal(request: HttpRequest) -> bool:
    return bool(request.session.get(TERMINAL_KEY))


def session_touch(request: HttpRequest) -> None:
    """Public visitors get a short session; staff who open the kiosk keep theirs."""
    if not request.user.is_authenticated:
        request.session.set_expiry(settings.KIOSK_SESSION_SECONDS)


def draft_new(request: HttpRequest) -> Draft:
    draft = Draft(
        token=secrets.token_urlsafe(16),
        started=time.time(),
        terminal=is_terminal(request),
        secret=secret_new(),
    )
    drafts = _drafts(request)
    # A shared screen holds few drafts: the oldest goes first.
    for token in list(drafts)[: max(0, len(drafts) - MAX_DRAFTS + 1)]:
        _files_discard(Draft.from_session(drafts.pop(token)))
    drafts[draft.token] = draft.to_session()
    request.session[DRAFTS_KEY] = drafts
    session_touch(request)
    return draft


def draft_get(request: HttpRequest, token: str) -> Draft | None:
    raw = _drafts(request).get(token)
    return Draft.from_session(raw) if raw is not None else None


def draft_put(request: HttpRequest, draft: Draft) -> None:
    drafts = _drafts(request)
    drafts[draft.token] = draft.to_session()
    request.session[DRAFTS_KEY] = drafts
    session_touch(request)


def draft_drop(request: HttpRequest, token: str, *, keep_files: bool = False) -> None:
    drafts = _drafts(request)
    raw = drafts.pop(token, None)
    request.session[DRAFTS_KEY] = drafts
    if raw is not None and not keep_files:
        _files_discard(Draft.from_session(raw))


def kiosk_wipe(request: HttpRequest) -> None:
    """Forget everything the visitor typed, uploaded or looked up. An anonymous visitor's
    session is flushed whole (a new session key); a logged-in person keeps their login."""
    terminal = is_terminal(request)
    for raw in _drafts(request).values():
        _files_discard(Draft.from_session(raw))
    if request.user.is_authenticated:
        for key in KIOSK_KEYS:
            request.session.pop(key, None)
    else:
        request.session.flush()
    if terminal:
        request.session[TERMINAL_KEY] = True
        session_touch(request)


def _files_discard(draft: Draft) -> None:
    """Delete the draft's files, except those a saved draft (FilingDraft) still lists."""
    from .models import FilingDraft

    kept: set[str] = set()
    if draft.saved:
        saved = FilingDraft.objects.filter(tracking_number=draft.saved).first()
        kept = {item.get("path", "") for item in (saved.files if saved else [])}
    for item in draft.files:
        if item.path not in kept:
            default_storage.delete(item.path)


def file_add(draft: Draft, upload: UploadedFile, description: str = "") -> DraftFile:
    """Check an upload by its content and keep it in private storage for the draft."""
    checked = check_upload(upload)  # ValidationError for the form
    try:
        path = default_storage.save(
            f"{DRAFT_FILES_DIR}/{draft.token}/{uuid.uuid4().hex}.{checked.extension}", upload
        )
    except FileNotStored as exc:  # nothing half-written is left (PrivateStorage)
        raise ValidationError(FileNotStored.message()) from exc
    item = DraftFile(
        id=uuid.uuid4().hex[:12],
        path=path,
        name=(upload.name or "upload")[:200],
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        sha256=checked.sha256,
        description=description.strip()[:200],
    )
    draft.files.append(item)
    return item


def file_remove(draft: Draft, file_id: str) -> None:
    for item in list(draft.files):
        if item.id == file_id:
            draft.files.remove(item)
            # A saved draft may still list the file: the purge task removes it once nothing
            # does (kiosk_drafts_purge).
            if not draft.saved:
                default_storage.delete(item.path)
