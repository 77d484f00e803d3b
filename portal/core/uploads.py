"""Upload rules: the type is decided from the content, never the name; size is capped.

Accepted files are stored by the default storage, which lives outside the web root (there is
no MEDIA_URL route), and are served only by permission-checked views as attachments with
X-Content-Type-Options: nosniff."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader

from .errors import ApplicationError

ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
# What Pillow must find inside a file that the signature says is this image type.
_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
# Readers look for the trailer in the last kilobyte or so; allow a little trailing junk.
_PDF_TAIL_BYTES = 2048


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Accept PDF, JPEG and PNG by their bytes, within the size limit; raise ValidationError."""
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("The file is too large: at most %(limit)s.") % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    content_type = kind.mime if kind is not None else ""
    if content_type not in ALLOWED_TYPES:
        raise ValidationError(
            _("Only PDF documents and JPEG or PNG photos can be uploaded."), code="bad_type"
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    if content_type == "application/pdf":
        _verify_pdf(upload)
    else:
        _verify_image(upload, _PILLOW_FORMATS[content_type])
    upload.seek(0)
    return CheckedUpload(
        content_type=content_type,
        extension=ALLOWED_TYPES[content_type],
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def _verify_pdf(upload: UploadedFile) -> None:
    """A PDF starts with its version header and ends with a cross-reference trailer; a file
    that only borrows the first bytes (or was cut off in transit) has no trailer."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(max(0, (upload.size or 0) - _PDF_TAIL_BYTES))
    tail = upload.read(_PDF_TAIL_BYTES)
    bad_pdf = ValidationError(
        _("The PDF document could not be read: it may be damaged."), code="bad_pdf"
    )
    if not _PDF_HEADER.match(head) or b"startxref" not in tail or b"%%EOF" not in tail:
        raise bad_pdf
    # The first and last bytes can be borrowed (a web page between a PDF header and a PDF
    # tail): the file must open as a PDF, with a catalogue and at least one page.
    upload.seek(0)
    try:
        with warnings.catch_warnings(), _quiet_pypdf():
            warnings.simplefilter("ignore")
            reader = PdfReader(upload, strict=False)
            if len(reader.pages) < 1:
                raise bad_pdf
            reader.pages[0].mediabox  # noqa: B018 - the page's own dictionary must parse
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file: all mean "not a PDF"
        raise bad_pdf from exc


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every repair it attempts; a refused upload is not the log's business."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _verify_image(upload: UploadedFile, expected_format: str) -> None:
    upload.seek(0)
    data = upload.read()
    bad_image = ValidationError(
        _("The photo could not be read: it may be damaged."), code="bad_image"
    )
    try:
        # A small file can declare a huge canvas (a decompression bomb): refuse it before
        # anyone decodes it, instead of only warning.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected_format:
                    raise bad_image
                image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise bad_image from exc


def upload_accepted(upload: UploadedFile, *, field: str, named: bool = False) -> CheckedUpload:
    """check_upload for a service: a refused file is an ApplicationError that the form shows
    next to `field`, preceded by the file's name when several files are sent at once."""
    try:
        return check_upload(upload)
    except ValidationError as exc:
        prefix = f"{upload.name}: " if named and upload.name else ""
        raise ApplicationError(prefix + " ".join(exc.messages), field=field) from exc
