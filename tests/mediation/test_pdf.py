"""The mediation agreement (调解协议书): Chinese text with the parties from the case, the
amounts and the instalments; the recorded SHA-256 is the file's."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from portal.core.documents import document_render
from portal.mediation.models import Agreement
from portal.mediation.services import (
    agreement_arbitration_confirm,
    agreement_court_apply,
    agreement_draft,
    mediation_agree,
)

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


def embedded_fonts(pdf: bytes, tmp_path: Path, pdffonts: str) -> dict[str, str]:
    """Font name → the 'emb' column of pdffonts."""
    source = tmp_path / "fonts.pdf"
    source.write_bytes(pdf)
    rows = subprocess.run(
        [pdffonts, str(source)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    return {row.split()[0].split("+")[-1]: row.split()[-5] for row in rows if row.strip()}


@pytest.mark.parametrize("which", ["statement", "court_application"])
def test_the_statement_and_the_court_application_render_chinese_with_the_embedded_font(
    which, frozen, arbitrator, arbitration_mediator, tmp_path: Path, require_tool
):
    pdffonts = require_tool("pdffonts")
    pdftoppm = require_tool("pdftoppm")
    if which == "statement":
        agreement = agreement_arbitration_confirm(actor=arbitrator, mediation=frozen.mediation)
        document_id = agreement.statement_document.pk
    else:
        agreement = agreement_court_apply(
            actor=arbitration_mediator,
            mediation=frozen.mediation,
            court_name="广州市海珠区人民法院",
        )
        document_id = agreement.court_application_document.pk
    document = document_render(document_id=document_id)
    with document.file.open("rb") as handle:
        pdf = handle.read()
    fonts = embedded_fonts(pdf, tmp_path, pdffonts)
    assert any(name.startswith("WenQuanYi") for name in fonts), fonts
    assert set(fonts.values()) == {"yes"}, fonts  # every font embedded, none left to the viewer
    # the page carries drawn glyphs (tests/core/test_documents.py shows this font's glyphs are
    # real, not boxes)
    assert len(ink(rasterise(pdf, tmp_path, pdftoppm, which))) > 500
