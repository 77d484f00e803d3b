"""What many tests share: reading what a page told the user, files to upload, running calls
at once, valid personal numbers (those live in tests/factories.py and are re-exported)."""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Callable

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from PIL import Image

from portal.core.errors import ApplicationError
from tests.factories import valid_credit_code, valid_resident_id

__all__ = [
    "jpeg_bytes",
    "pdf_bytes",
    "png_bytes",
    "png_upload",
    "refusals",
    "run_at_once",
    "valid_credit_code",
    "valid_resident_id",
]

Colour = tuple[int, int, int]


def png_bytes(size: tuple[int, int] = (4, 4), colour: Colour = (200, 30, 30)) -> bytes:
    """A real PNG: the upload rules look at the bytes, not at the name."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "scan.png", **kwargs: object) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), "image/png")  # type: ignore[arg-type]


def jpeg_bytes(size: tuple[int, int] = (40, 30), colour: Colour = (30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A small, well-formed one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def run_at_once(calls: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    """Run each call in its own thread and database connection, all released together: the
    results and the errors (for the races that row locks must settle)."""
    start = threading.Barrier(len(calls))
    language = translation.get_language()  # a new thread starts in the default language
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait(timeout=30)
            with translation.override(language):
                result = call()
            with lock:
                results.append(result)
        except BaseException as exc:  # reported by the main thread
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


_ALERT = re.compile(r'<(p|li) class="(?:error|field-error)"[^>]*>(.*?)</\1>', re.S)


def refusals(response) -> list[str]:
    """What the page tells the user went wrong: error messages, and the refusals shown next to
    the form that was refused (portal.core.http.post_move)."""
    told = [
        m.message for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR
    ]
    html_page = response.status_code == 200 and not response.streaming
    page = response.content.decode() if html_page else ""
    return told + [html.unescape(text).strip() for _tag, text in _ALERT.findall(page)]


def refused_unchanged(
    call: Callable[[], object], *, says: str, state: Callable[[], object]
) -> None:
    """`call` is refused with a message matching `says` and leaves `state()` as it was."""
    before = state()
    with pytest.raises(ApplicationError, match=says):
        call()
    assert state() == before


def notification_titles(user, **filters: object) -> list[str]:  # type: ignore[no-untyped-def]
    """A user's notification titles as they read them (core.stored_text), newest first."""
    from portal.core.stored_text import shown

    return [
        shown(title)
        for title in user.notifications.filter(**filters).values_list("title", flat=True)
    ]


def shown_note(event) -> str:  # type: ignore[no-untyped-def]
    """An audit event's note as a reader of the active language sees it."""
    from portal.core.stored_text import shown

    return shown(event.note)


def refused_in_place(response, *, typed: list[str], field_id: str) -> None:  # type: ignore[no-untyped-def]
    """A refused staff form came back on its page: the summary above it, the error next to its
    field (includes/field.html) and everything that was typed."""
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "data-error-summary" in page
    assert f'href="#{field_id}"' in page  # the summary's link to the field
    assert f'id="{field_id}_error"' in page  # the message beside the field
    for value in typed:
        assert value in page, value
