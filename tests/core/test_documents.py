import hashlib
import re
import socket
import subprocess
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from PIL import Image

from portal.cases.pdf import CASE_SUMMARY
from portal.core.documents import (
    LocalOnlyURLFetcher,
    PdfRenderError,
    document_render,
    render_html_to_pdf,
    render_pdf,
    static_root,
)
from portal.core.models import AuditEvent, Document, DocumentStatus

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


def one_character_pdf(character: str) -> bytes:
    return render_html_to_pdf(
        '<html lang="zh-CN"><head><style>@page { size: 60mm 60mm; margin: 5mm }'
        "p { font-size: 120pt; margin: 0; line-height: 1 }</style></head>"
        f"<body><p>{character}</p></body></html>"
    )


def rasterise(pdf: bytes, tmp_path: Path, pdftoppm: str, name: str, dpi: int = 50) -> Image.Image:
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            tmp_path / name,
        ],
        check=True,
    )
    with Image.open(tmp_path / f"{name}.png") as image:
        return image.convert("L")


def ink(image: Image.Image) -> set[tuple[int, int]]:
    width = image.width
    return {(i % width, i // width) for i, value in enumerate(image.tobytes()) if value < 128}


def inflated_streams(pdf: bytes) -> list[bytes]:
    """Every Flate stream of the file, decompressed (metadata and object streams included)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            streams.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return streams


def xmp_packet(pdf: bytes) -> ElementTree.Element:
    for stream in inflated_streams(pdf):
        match = re.search(rb"<x:xmpmeta.*?</x:xmpmeta>", stream, re.DOTALL)
        if match:
            # Our own renderer wrote this packet a moment ago.
            return ElementTree.fromstring(match.group())  # noqa: S314
    raise AssertionError("no XMP metadata in the PDF")


# --- the renderer --------------------------------------------------------------------------------


def test_chinese_characters_rasterise_to_real_distinct_glyphs(tmp_path, require_tool):
    pdftoppm = require_tool("pdftoppm")
    one = ink(rasterise(one_character_pdf("一"), tmp_path, pdftoppm, "one"))
    dragon = ink(rasterise(one_character_pdf("龍"), tmp_path, pdftoppm, "dragon"))
    # A missing glyph is drawn as the same empty or tofu box for both characters.
    assert len(one) > 50
    assert len(dragon) > 3 * len(one)
    assert len(one ^ dragon) > 0.6 * len(one | dragon)


def test_the_pdf_embeds_the_wenquanyi_font(tmp_path, require_tool):
    pdffonts = require_tool("pdffonts")
    source = tmp_path / "font.pdf"
    source.write_bytes(one_character_pdf("龍"))
    listing = subprocess.run([pdffonts, source], check=True, capture_output=True, text=True)
    rows = [line.split() for line in listing.stdout.splitlines()[2:]]
    wenquanyi = [row for row in rows if "WenQuanYi" in row[0]]
    assert wenquanyi
    # Columns from the end: emb sub uni object-number generation.
    assert all(row[-5] == "yes" for row in wenquanyi)
    assert "WenQuanYi" in settings.PORTAL_PDF_FONT_FAMILY.replace(" ", "")


def test_the_pdf_declares_pdf_a_3b():
    pdf = one_character_pdf("龍")
    assert pdf.startswith(b"%PDF-1.7")
    description = next(
        element for element in xmp_packet(pdf).iter() if f"{PDFAID}part" in element.attrib
    )
    assert description.attrib[f"{PDFAID}part"] == "3"
    assert description.attrib[f"{PDFAID}conformance"] == "B"
    # PDF/A needs an output intent with an embedded colour profile.
    assert any(b"/GTS_PDFA1" in stream for stream in [pdf, *inflated_streams(pdf)])


def test_the_case_summary_gets_its_stylesheet(arbitration_case, tmp_path, require_tool):
    pdftoppm = require_tool("pdftoppm")
    pdf = render_pdf(CASE_SUMMARY.template, CASE_SUMMARY.context(arbitration_case))
    page = rasterise(pdf, tmp_path, pdftoppm, "summary")
    pixels = page.tobytes()
    rows = [
        [x for x in range(page.width) if pixels[y * page.width + x] < 160]
        for y in range(page.height)
    ]
    # pdf.css draws table borders: rows of ink across most of the text width.
    assert any(len(row) > 0.6 * page.width for row in rows)
    # ...and centres the heading: its first line sits in the middle of the page.
    first_line = next(row for row in rows if row)
    left, right = first_line[0], page.width - 1 - first_line[-1]
    assert abs(left - right) < 0.05 * page.width
    assert left > 0.2 * page.width


def test_a_resource_weasyprint_cannot_use_fails_the_render():
    with pytest.raises(PdfRenderError, match=r"missing\.css"):
        render_html_to_pdf('<link rel="stylesheet" href="css/missing.css"><p>案</p>')


# --- the URL fetcher -----------------------------------------------------------------------------


def test_the_fetcher_serves_a_static_stylesheet_as_css():
    response = LocalOnlyURLFetcher().fetch((static_root() / "css" / "pdf.css").resolve().as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_the_fetcher_serves_data_uris():
    assert LocalOnlyURLFetcher().fetch("data:text/plain;base64,5qGI").read() == "案".encode()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://example.com/pdf.css",
        "ftp://example.com/pdf.css",
        "file:///etc/passwd",
        "{static}/../config/settings/base.py",
        "{static}/css/no-such-file.css",
        "file://fileserver{static_path}/css/pdf.css",
    ],
)
def test_the_fetcher_refuses_everything_outside_static_files(url):
    static = static_root().resolve()
    url = url.format(static=static.as_uri(), static_path=static.as_posix())
    with pytest.raises(ValueError, match="refused"):
        LocalOnlyURLFetcher().fetch(url)


def test_the_fetcher_refuses_a_symlink_out_of_static_files(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for PDFs")
    static = tmp_path / "static"
    static.mkdir()
    (static / "link.css").symlink_to(secret)
    monkeypatch.setattr("portal.core.documents.static_root", lambda: static)
    with pytest.raises(ValueError, match="refused"):
        LocalOnlyURLFetcher().fetch((static / "link.css").as_uri())


def test_rendering_external_references_makes_no_network_call(monkeypatch):
    calls = []

    def no_network(*args, **kwargs):
        calls.append(args)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    html = (
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '<p>证据<img src="http://example.com/tracker.png"></p>'
    )
    with pytest.raises(PdfRenderError) as error:
        render_html_to_pdf(html)
    assert calls == []
    assert "refused non-local URL: http://example.com/tracker.png" in str(error.value)
    assert "refused non-local URL: https://cdn.example.com/x.css" in str(error.value)


# --- the service and its task ----------------------------------------------------------------------


def request_summary(case, actor, capture):
    from portal.core.documents import document_request

    with capture(execute=True):
        document = document_request(actor=actor, owner=case, kind=CASE_SUMMARY.key)
        assert Document.objects.get(pk=document.pk).status == DocumentStatus.PENDING
    document.refresh_from_db()
    return document


def test_a_requested_document_is_rendered_after_commit(
    arbitration_case, arbitrator, django_capture_on_commit_callbacks
):
    document = request_summary(arbitration_case, arbitrator, django_capture_on_commit_callbacks)
    assert document.status == DocumentStatus.READY
    with document.file.open("rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.rendered_at is not None
    assert document.owner == arbitration_case
    assert AuditEvent.objects.filter(
        action="document.request", object_id=str(arbitration_case.pk), actor=arbitrator
    ).exists()


def test_rendering_a_ready_document_again_changes_nothing(
    arbitration_case, arbitrator, django_capture_on_commit_callbacks
):
    document = request_summary(arbitration_case, arbitrator, django_capture_on_commit_callbacks)
    again = document_render(document_id=document.pk)
    assert again is not None
    assert (again.file.name, again.sha256, again.rendered_at) == (
        document.file.name,
        document.sha256,
        document.rendered_at,
    )


def test_rendering_a_deleted_document_does_nothing(db):
    assert document_render(document_id=987654) is None


def test_a_failing_render_marks_the_document_failed(
    arbitration_case, arbitrator, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(template, context):
        raise PdfRenderError("Failed to load image at 'file:///seal.png'")

    monkeypatch.setattr("portal.core.documents.render_pdf", broken)
    with pytest.raises(PdfRenderError):
        request_summary(arbitration_case, arbitrator, django_capture_on_commit_callbacks)
    document = Document.objects.get(object_id=arbitration_case.pk, kind=CASE_SUMMARY.key)
    assert document.status == DocumentStatus.FAILED
    assert "seal.png" in document.error
    assert not document.file
    assert document.sha256 == ""


# --- the download view -----------------------------------------------------------------------------


@pytest.fixture
def ready_summary(arbitration_case, arbitrator, django_capture_on_commit_callbacks):
    return request_summary(arbitration_case, arbitrator, django_capture_on_commit_callbacks)


def test_owning_agency_staff_download_the_pdf_as_an_attachment(
    client, ready_summary, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    response = client.get(reverse("core:document-download", args=[ready_summary.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == ready_summary.sha256


@pytest.mark.parametrize("actor", ["bureau_inspector", "procuratorate_liaison", "outsider"])
def test_another_agencys_document_is_not_found(request, client, ready_summary, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("core:document-download", args=[ready_summary.pk]))
    assert response.status_code == 404


def test_a_missing_document_is_the_same_404(client, arbitration_mediator):
    client.force_login(arbitration_mediator)
    assert client.get(reverse("core:document-download", args=[424242])).status_code == 404


def test_a_pending_document_redirects_back_with_a_message(
    client, arbitration_case, arbitrator, arbitration_mediator
):
    from portal.core.documents import document_request

    # Outside the capture fixture the on-commit render never runs: the document stays pending.
    document = document_request(actor=arbitrator, owner=arbitration_case, kind=CASE_SUMMARY.key)
    client.force_login(arbitration_mediator)
    case_page = f"http://testserver/cases/{arbitration_case.pk}/"
    response = client.get(
        reverse("core:document-download", args=[document.pk]), headers={"referer": case_page}
    )
    assert response.status_code == 302
    assert response["Location"] == case_page
    messages = list(get_messages(response.wsgi_request))
    assert [m.level_tag for m in messages] == ["info"]
    assert "稍后再试" in str(messages[0])


def test_a_pending_document_never_redirects_to_another_site(
    client, arbitration_case, arbitrator, arbitration_mediator
):
    from portal.core.documents import document_request

    document = document_request(actor=arbitrator, owner=arbitration_case, kind=CASE_SUMMARY.key)
    client.force_login(arbitration_mediator)
    response = client.get(
        reverse("core:document-download", args=[document.pk]),
        headers={"referer": "https://evil.example/phish"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_a_failed_document_says_so(client, arbitration_case, arbitrator, arbitration_mediator):
    from portal.core.documents import document_fail, document_request

    document = document_request(actor=arbitrator, owner=arbitration_case, kind=CASE_SUMMARY.key)
    document_fail(document_id=document.pk, error="boom")
    client.force_login(arbitration_mediator)
    response = client.get(reverse("core:document-download", args=[document.pk]), follow=True)
    assert response.redirect_chain[0][1] == 302
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_requesting_a_case_summary_from_the_case_page_produces_a_ready_pdf(
    client, arbitration_case, arbitration_mediator, django_capture_on_commit_callbacks
):
    client.force_login(arbitration_mediator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:summary-request", args=[arbitration_case.pk]))
    assert response.status_code == 302
    document = Document.objects.get(object_id=arbitration_case.pk, kind=CASE_SUMMARY.key)
    assert document.status == DocumentStatus.READY
    assert arbitration_case.number in document.title


def test_a_font_configuration_is_kept_per_thread_and_never_shared_between_threads():
    import threading

    from portal.core.documents import _font_setup

    first, again = _font_setup("<p>一</p>"), _font_setup("<p>二</p>")
    other: list = []
    thread = threading.Thread(target=lambda: other.append(_font_setup("<p>三</p>")))
    thread.start()
    thread.join()

    assert first[0] is again[0]
    assert other[0][0] is not first[0]
    assert _font_setup("<style>@font-face { font-family: x }</style>")[0] is not first[0]
