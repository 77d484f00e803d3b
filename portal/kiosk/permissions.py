"""Who may see what on the public pages: nobody logs in; a claimant proves the case is theirs
with its tracking number and secret, once per visit, and the visit's session remembers it
for a short while (KIOSK_STATUS_SECONDS)."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import Http404, HttpRequest

from portal.cases.models import Case, Claimant

from .drafts import RECEIPT_KEY, STATUS_KEY, session_touch


def claimant_grant(request: HttpRequest, case: Case, worker: Claimant | None = None) -> None:
    """This visit proved the case is its own: with the filing's secret (`worker` None), the
    whole filing; with a worker's own secret, that worker's part of it only."""
    # A new session key: the proof of ownership does not ride on an id someone saw before.
    request.session.cycle_key()
    request.session[STATUS_KEY] = {
        "case": case.pk,
        "worker": worker.pk if worker else None,
        "at": time.time(),
    }
    session_touch(request)


def _granted(request: HttpRequest) -> dict | None:
    granted = request.session.get(STATUS_KEY)
    if not granted or time.time() - float(granted.get("at", 0)) > settings.KIOSK_STATUS_SECONDS:
        return None
    return granted


def claimant_case_pk(request: HttpRequest) -> int | None:
    granted = _granted(request)
    return int(granted["case"]) if granted else None


def claimant_worker_pk(request: HttpRequest) -> int | None:
    """The worker whose own secret opened the status page; None for the filing's secret."""
    granted = _granted(request)
    return int(granted["worker"]) if granted and granted.get("worker") else None


def access_claimant_case(request: HttpRequest, *, whole_filing: bool = False) -> Case:
    """The case this visit has proved to be its own; 404 otherwise. `whole_filing`: a move or
    a document of the whole filing (confirming, supplying material, the documents, which name
    every worker with their numbers), for the filing's secret only, not a worker's own."""
    pk = claimant_case_pk(request)
    case = Case.objects.select_related("agency", "employer").filter(pk=pk).first() if pk else None
    if case is None or (whole_filing and claimant_worker_pk(request) is not None):
        raise Http404
    return case


def receipt_grant(
    request: HttpRequest, case: Case, secret: str, employer_name: str, *, token: str = ""
) -> None:
    """This visit may see the receipt of the filing it just submitted (from draft `token`).
    The receipt names the employer as the visitor typed it, not as the portal may already know
    it under that credit code (another agency's record)."""
    request.session[RECEIPT_KEY] = {
        "case": case.pk,
        "secret": secret,
        "employer": employer_name,
        "at": time.time(),
        "token": token,
    }


def receipt_of_draft(request: HttpRequest, token: str) -> bool:
    """Whether this visit's receipt is the one of draft `token` (submitted already)."""
    receipt = request.session.get(RECEIPT_KEY)
    return bool(receipt and token and receipt.get("token") == token)


def access_receipt(request: HttpRequest) -> tuple[Case, str, str]:
    """The filing just submitted in this visit, with its secret; 404 otherwise."""
    receipt = request.session.get(RECEIPT_KEY)
    case = (
        Case.objects.select_related("agency", "employer").filter(pk=receipt["case"]).first()
        if receipt
        else None
    )
    if case is None or not receipt:
        raise Http404
    return case, str(receipt["secret"]), str(receipt.get("employer") or "")
