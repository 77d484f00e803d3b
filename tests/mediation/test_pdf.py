"""The mediation agreement (调解协议书): Chinese text with the parties from the case, the
amounts and the instalments; the recorded SHA-256 is the file's."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from portal.core.documents import document_render
from portal.mediation.models import Agreement
from portal.mediation.services import agreement_draft, mediation_agree

from ..core.test_documents import ink, rasterise
from .builders import terms

pytestmark = pytest.mark.django_db


def test_the_agreement_pdf_names_the_parties_and_the_instalments_in_chinese(
    mediating, arbitration_mediator, tmp_path: Path, require_tool
):
    pdftotext = require_tool("pdftotext")
    pdftoppm = require_tool("pdftoppm")
    agreement_draft(actor=arbitration_mediator, mediation=mediating, data=terms())
    mediation_agree(actor=arbitration_mediator, mediation=mediating)
    agreement = Agreement.objects.get(mediation=mediating)
    assert agreement.document is not None
    document = document_render(document_id=agreement.document.pk)
    assert document is not None
    with document.file.open("rb") as handle:
        pdf = handle.read()
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    source = tmp_path / "agreement.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(
        [pdftotext, "-layout", str(source), "-"], capture_output=True, check=True, text=True
    ).stdout
    text = "".join(text.split())
    case = mediating.case
    assert "调解协议书" in text
    assert case.employer.name in text
    assert case.claimants.first().name in text
    assert "9,000.00" in text or "9000.00" in text
    assert "3,000.00" in text or "3000.00" in text
    # the glyphs are drawn, not blank boxes: the page carries ink
    assert len(ink(rasterise(pdf, tmp_path, pdftoppm, "agreement"))) > 500
