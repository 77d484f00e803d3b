"""Upload rules: the type is decided from the content, never the name; size is capped."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}


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
    if content_type.startswith("image/"):
        _verify_image(upload)
    upload.seek(0)
    return CheckedUpload(
        content_type=content_type,
        extension=ALLOWED_TYPES[content_type],
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def _verify_image(upload: UploadedFile) -> None:
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(upload.read())) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("The photo could not be read: it may be damaged."), code="bad_image") from exc
