"""The receipt PDF, checked the way a person uses it: the printed page shows the claimant's
Chinese name, and its QR code, rasterised and decoded, opens the status page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def receipt_pdf(visitor) -> bytes:
    response = visitor.client.get(reverse("kiosk:receipt-pdf"))
    assert response.status_code == 200
    return response.content


def test_the_receipt_pdf_shows_the_claimants_chinese_name_and_the_codes(
    filed, tmp_path: Path, require_tool
):
    pdftotext = require_tool("pdftotext")
    visitor, case, secret = filed(name="欧阳春燕")
    source = tmp_path / "receipt.pdf"
    source.write_bytes(receipt_pdf(visitor))
    text = subprocess.run(
        [pdftotext, "-layout", source, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "欧阳春燕" in text
    assert case.tracking_number in text
    assert f"{secret[:4]}-{secret[4:]}" in text
    assert "劳动人事争议仲裁申请回执" in text
    assert case.employer.name in text


def test_the_receipt_qr_code_decodes_to_the_status_page_of_the_filing(
    filed, tmp_path: Path, require_tool, settings
):
    import zxingcpp  # a dev dependency (pyproject.toml): missing, this test fails

    pdftoppm = require_tool("pdftoppm")
    settings.PORTAL_BASE_URL = "https://ldzc.haizhu.example.gov.cn"
    visitor, case, _secret = filed()
    source = tmp_path / "receipt.pdf"
    source.write_bytes(receipt_pdf(visitor))
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            tmp_path / "page",
        ],
        check=True,
    )
    with Image.open(tmp_path / "page.png") as page:
        results = zxingcpp.read_barcodes(page.convert("L"))
    assert [result.format.name for result in results] == ["QRCode"]
    expected = f"https://ldzc.haizhu.example.gov.cn/kiosk/status/?n={case.tracking_number}"
    assert results[0].text == expected
    assert expected.removeprefix(settings.PORTAL_BASE_URL) == (
        reverse("kiosk:status") + f"?n={case.tracking_number}"
    )


def test_the_receipt_embeds_the_chinese_font_it_draws_the_name_with(
    filed, tmp_path: Path, require_tool
):
    # Text extraction succeeds even when glyphs render as empty boxes: the embedded CJK font
    # is what makes the name visible (tests/core/test_documents.py rasterises its glyphs).
    pdffonts = require_tool("pdffonts")
    visitor, _case, _secret = filed(name="欧阳春燕")
    source = tmp_path / "receipt.pdf"
    source.write_bytes(receipt_pdf(visitor))
    listing = subprocess.run(
        [pdffonts, source], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    fonts = {line.split()[0].split("+")[-1]: line.split() for line in listing if line.strip()}
    wenquanyi = [name for name in fonts if name.startswith("WenQuanYi")]
    assert wenquanyi, listing
    for name in wenquanyi:
        assert fonts[name][-5] == "yes", listing  # the "emb" column: embedded
