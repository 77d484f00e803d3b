import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from portal.core.uploads import check_upload

from ..helpers import jpeg_bytes, pdf_bytes, png_bytes


def corrupt_png_bytes() -> bytes:
    """A PNG whose image data was damaged in transit: the chunk checksum no longer matches."""
    data = bytearray(png_bytes())
    idat = data.index(b"IDAT") + 8
    data[idat] ^= 0xFF
    return bytes(data)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal_code(name: str, data: bytes, content_type: str = "application/octet-stream") -> str:
    with pytest.raises(ValidationError) as error:
        check_upload(upload(name, data, content_type))
    return error.value.code


@pytest.mark.parametrize(
    ("build", "content_type", "extension"),
    [
        (png_bytes, "image/png", "png"),
        (jpeg_bytes, "image/jpeg", "jpg"),
        (pdf_bytes, "application/pdf", "pdf"),
    ],
)
def test_pdf_jpeg_and_png_files_are_accepted(build, content_type, extension):
    data = build()
    checked = check_upload(upload(f"证据.{extension}", data))
    assert checked.content_type == content_type
    assert checked.extension == extension
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_the_type_comes_from_the_content_not_the_name():
    checked = check_upload(upload("scan.pdf", png_bytes(), "application/pdf"))
    assert checked.content_type == "image/png"
    assert checked.extension == "png"


def test_a_pdf_rendered_by_the_portal_is_accepted():
    from portal.core.documents import render_html_to_pdf

    pdf = render_html_to_pdf("<p>劳动仲裁申请书</p>")
    assert check_upload(upload("申请书.pdf", pdf)).content_type == "application/pdf"


def test_a_checked_upload_is_rewound_for_storage():
    file = upload("photo.png", png_bytes())
    check_upload(file)
    assert file.tell() == 0


def test_a_text_file_named_pdf_is_refused():
    assert refusal_code("合同.pdf", "劳动合同\n".encode(), "application/pdf") == "bad_type"


def test_an_html_page_named_png_is_refused():
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    assert refusal_code("photo.png", html, "image/png") == "bad_type"


def test_a_file_that_only_starts_like_a_pdf_is_refused():
    assert refusal_code("fake.pdf", b"%PDF-1.7\n<script>alert(1)</script>\n") == "bad_pdf"


@pytest.mark.parametrize(
    "body",
    [
        # a web page between a PDF header and a PDF tail (issue 17, item 9)
        b"<html><body><script>alert(document.cookie)</script></body></html>\n",
        # ...with the objects of a PDF that has no page
        b"<html><script>alert(1)</script>\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
        b"endobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n",
    ],
)
def test_a_web_page_dressed_as_a_pdf_is_refused(body):
    polyglot = b"%PDF-1.7\n" + body + b"startxref\n0\n%%EOF\n"
    assert refusal_code("invoice.pdf", polyglot) == "bad_pdf"


def test_a_pdf_cut_off_in_transit_is_refused():
    assert refusal_code("cut.pdf", pdf_bytes()[:-40]) == "bad_pdf"


def test_a_corrupt_png_is_refused():
    assert refusal_code("photo.png", corrupt_png_bytes()) == "bad_image"


def test_a_truncated_png_is_refused():
    assert refusal_code("photo.png", png_bytes()[:60]) == "bad_image"


def test_an_image_with_a_huge_canvas_is_refused(monkeypatch):
    # Stands in for a decompression bomb: a small file declaring more pixels than allowed.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert refusal_code("bomb.png", png_bytes((40, 30))) == "bad_image"
    assert refusal_code("bomb.png", png_bytes((100, 100))) == "bad_image"


def test_an_empty_file_is_refused():
    assert refusal_code("empty.pdf", b"") == "empty"


def test_a_file_over_the_limit_is_refused(settings):
    data = pdf_bytes()
    settings.PORTAL_UPLOAD_MAX_BYTES = len(data) - 1
    assert refusal_code("big.pdf", data) == "too_large"


def test_a_file_exactly_at_the_limit_is_accepted(settings):
    data = pdf_bytes()
    settings.PORTAL_UPLOAD_MAX_BYTES = len(data)
    assert check_upload(upload("ok.pdf", data)).size == len(data)


def test_refusals_are_worded_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        check_upload(upload("photo.png", b"<html></html>"))
    assert error.value.messages == ["只能上传 PDF 文件或 JPEG、PNG 照片。"]
