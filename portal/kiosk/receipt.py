"""The filing's receipt: tracking number, secret, a QR code that opens the status page.

It carries the secret, so it is never stored: it is rendered from the visitor's session right
after the submit (the session forgets the secret when the visitor finishes or walks away)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from portal.cases.models import Case
from portal.cases.services import ACCEPTANCE_POLICY
from portal.cases.services.intake import secret_display
from portal.cases.services.worker_credentials import worker_secrets
from portal.core.documents import render_pdf

from .selectors import case_open_deadline

RECEIPT_TEMPLATE = "kiosk/pdf/receipt.html"


def status_url(tracking_number: str) -> str:
    """Where the QR code leads: the public status page with the number filled in."""
    query = urlencode({"n": tracking_number})
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('kiosk:status')}?{query}"


def qr_data_uri(url: str) -> str:
    # Medium error correction survives a crumpled thermal-paper receipt; SVG stays sharp.
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4)


def receipt_context(case: Case, secret: str, employer_name: str) -> dict[str, Any]:
    """What the receipt shows. The employer is named as the claimant typed it: the name on file
    for its credit code may have been entered by another agency and is not the public's."""
    url = status_url(case.tracking_number or "")
    deadline = case_open_deadline(case, ACCEPTANCE_POLICY)
    # In the order they were typed (their ids), as worker_secrets counts them.
    workers = list(case.claimants.order_by("id"))
    own = worker_secrets(secret, len(workers))
    return {
        "worker_secrets": [
            (worker.name, secret_display(code))
            for worker, code in zip(workers[1:], own, strict=True)
        ],
        "case": case,
        "employer_name": employer_name,
        "claimants": list(case.claimants.all()),
        "claims": list(case.claims.all()),
        "total": case.total_claimed,
        "evidence": list(case.evidence.all()),
        "secret": secret_display(secret),
        "status_url": url,
        "qr": qr_data_uri(url),
        "acceptance_due": deadline.due_on if deadline else None,
        "acceptance_due_provisional": bool(deadline and deadline.provisional),
        "printed_at": timezone.localtime(),
    }


def receipt_pdf(case: Case, secret: str, employer_name: str) -> bytes:
    """The receipt as PDF, in Chinese like every document the committee issues."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf(RECEIPT_TEMPLATE, receipt_context(case, secret, employer_name))
