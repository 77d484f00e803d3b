"""Writes of the kiosk: saving a draft for later, resuming it, submitting the filing, and the
purge of what a visitor left behind. The case itself is made by portal.cases.services.intake."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from portal.cases.models import Case, CaseChannel, Claimant
from portal.cases.secret_hashing import secret_hash, secret_matches
from portal.cases.services import CaseData, tracking_number_next
from portal.cases.services.intake import (
    Filed,
    case_file,
    secret_new,
    tracking_number_normalize,
)
from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import Document
from portal.core.storage import FileNotStored

from .drafts import DRAFT_FILES_DIR, Draft, DraftFile
from .models import FilingDraft, Submission


@dataclass(frozen=True)
class Saved:
    draft: FilingDraft
    secret: str  # "" when the draft had been saved before: the claimant holds the secret


def _channel(draft: Draft) -> str:
    return CaseChannel.KIOSK if draft.terminal else CaseChannel.ONLINE


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.KIOSK_DRAFT_RETENTION_DAYS)


@transaction.atomic
def draft_save(*, draft: Draft) -> Saved:
    """Keep a filing in progress for later: the first save reserves its tracking number and
    gives a secret; later saves update the answers."""
    fields = {
        "answers": draft.answers,
        "complete": draft.complete,
        "files": [item.__dict__ for item in draft.files],
        "expires_at": _expiry(),
    }
    if draft.saved:
        saved = FilingDraft.objects.select_for_update().filter(tracking_number=draft.saved).first()
        if saved is not None:
            for name, value in fields.items():
                setattr(saved, name, value)
            saved.save(update_fields=[*fields, "updated_at"])
            return Saved(draft=saved, secret="")
    secret = secret_new()
    saved = FilingDraft.objects.create(
        tracking_number=tracking_number_next(),
        secret_hash=secret_hash(secret),
        channel=_channel(draft),
        **fields,
    )
    audit_record(actor=None, action="kiosk.draft_save", obj=saved, actor_label="申请人")
    return Saved(draft=saved, secret=secret)


def draft_resume(*, tracking_number: str, secret: str) -> FilingDraft | None:
    """The saved draft, if the secret fits; None for an unknown number and a wrong secret
    alike (at the same cost: see secret_matches)."""
    number = tracking_number_normalize(tracking_number)
    saved = (
        FilingDraft.objects.filter(tracking_number=number, expires_at__gt=timezone.now()).first()
        if number
        else None
    )
    if not secret_matches(secret, saved.secret_hash if saved is not None else None):
        return None
    return saved


def draft_from_saved(saved: FilingDraft, *, token: str, terminal: bool) -> Draft:
    return Draft(
        token=token,
        # The spam check's clock: a resumed filing was started when it was first saved.
        started=saved.created_at.timestamp(),
        terminal=terminal,
        answers=saved.answers,
        complete=list(saved.complete),
        files=[DraftFile(**item) for item in saved.files],
        saved=saved.tracking_number,
        secret=secret_new(),
    )


def filing_submit(*, draft: Draft, data: CaseData) -> Filed:
    """Submit the filing: one transaction creates the case with everything in it (see
    case_file), records which draft it came from and drops the saved draft; the draft's files
    go after commit.

    Idempotent by the draft: a second submit of the same draft (its answer was lost after the
    commit, or two arrive at once) returns the first filing, with the secret the draft chose
    when it began, and files nothing. A full disk refuses in words and keeps the draft; no
    evidence file of the rolled-back case stays behind."""
    first = _submitted(draft)
    if first is not None:
        return first
    filed: Filed | None = None
    try:
        with transaction.atomic():
            filed = case_file(
                data=data,
                channel=_channel(draft),
                evidence=[item.stored() for item in draft.files],
                secret=draft.secret or None,
            )
            Submission.objects.create(draft_token=draft.token, case=filed.case)
            if draft.saved:
                FilingDraft.objects.filter(tracking_number=draft.saved).delete()
    except Exception as exc:
        # The rows are rolled back; evidence files written before the failure go too.
        if filed is not None:
            _delete_files(filed.evidence_files)
        first = _submitted(draft)  # the same draft, submitted at once, committed first
        if first is not None:
            return first
        if isinstance(exc, FileNotStored):
            raise ApplicationError(FileNotStored.message()) from exc
        raise
    paths = [item.path for item in draft.files]
    transaction.on_commit(lambda: _delete_files(paths))
    return filed


def _submitted(draft: Draft) -> Filed | None:
    """The filing this draft already became, if it was submitted before."""
    if not draft.secret:
        return None
    done = Submission.objects.select_related("case").filter(draft_token=draft.token).first()
    return Filed(case=done.case, secret=draft.secret, evidence_files=[]) if done else None


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def kiosk_drafts_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete saved drafts past their retention, expired sessions (a visitor's draft lives in
    one), and draft files nothing refers to any more (left by visitors who walked away):
    PIPL art. 19, keep no longer than needed."""
    now = now or timezone.now()
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    expired = list(FilingDraft.objects.filter(expires_at__lte=now))
    for saved in expired:
        with transaction.atomic():
            FilingDraft.objects.filter(pk=saved.pk).delete()
            audit_record(actor=None, action="kiosk.draft_purge", obj=saved, actor_label="system")
        _delete_files([item.get("path", "") for item in saved.files])
    # A draft token can come back only within its session's life.
    Submission.objects.filter(
        created_at__lt=now - datetime.timedelta(seconds=settings.KIOSK_SESSION_SECONDS + 3600)
    ).delete()
    referenced = {
        item.get("path", "")
        for files in FilingDraft.objects.values_list("files", flat=True)
        for item in files
    }
    # A visitor's session lives at most KIOSK_SESSION_SECONDS: older unreferenced files are
    # orphans.
    cutoff = time.time() - settings.KIOSK_SESSION_SECONDS - 3600
    removed = 0
    try:
        folders, _files = default_storage.listdir(DRAFT_FILES_DIR)
    except FileNotFoundError:
        folders = []
    for folder in folders:
        names = default_storage.listdir(f"{DRAFT_FILES_DIR}/{folder}")[1]
        for name in names:
            path = f"{DRAFT_FILES_DIR}/{folder}/{name}"
            if path in referenced:
                continue
            if default_storage.get_modified_time(path).timestamp() < cutoff:
                default_storage.delete(path)
                removed += 1
    return len(expired) + removed


# Who downloads from the status page: the claimant, proved by tracking number and secret.
STATUS_ACTOR_LABEL = "申请人（状态查询）"


@transaction.atomic
def claimant_document_download(*, case: Case, document: Document) -> None:
    """Record that the claimant took a copy of one of their documents from the status page."""
    _status_audit(case, "kiosk.claimant_document_download", document.title)


@transaction.atomic
def worker_status_open(*, case: Case, worker: Claimant) -> None:
    """Record that a worker opened their own part of a collective filing with their own secret
    (by name: no personal number in the history)."""
    _status_audit(case, "kiosk.worker_status_open", worker.name)


def _status_audit(case: Case, action: str, note: str) -> None:
    audit_record(actor=None, actor_label=STATUS_ACTOR_LABEL, action=action, obj=case, note=note)
