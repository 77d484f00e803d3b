"""The one PDF pipeline: templates under templates/<app>/pdf/, WeasyPrint, PDF/A-3b, a CJK
font, no network. Each app registers its document kinds; a Celery task renders them."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .audit import audit_record
from .models import Document, DocumentStatus, User


@dataclass(frozen=True)
class DocumentKind:
    key: str
    template: str
    title: Callable[[Any], str]
    context: Callable[[Any], dict[str, Any]]
    access: Callable[[User, Any], models.Model]  # the owner's access_* loader: object or 404
    owner_model: type[models.Model]


_KINDS: dict[str, DocumentKind] = {}


def register_document_kind(kind: DocumentKind) -> None:
    _KINDS[kind.key] = kind


def document_kind(key: str) -> DocumentKind:
    return _KINDS[key]


def static_root() -> Path:
    return Path(settings.BASE_DIR) / "static"


class PdfRenderError(Exception):
    """WeasyPrint reported an error (a resource refused or unreadable, a stylesheet ignored):
    an official document must not come out silently incomplete."""


class LocalOnlyURLFetcher(URLFetcher):
    """Serves the portal's own static files and data: URIs; refuses everything else,
    http(s) and any file outside the static folder included."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "allowed_protocols": ("file", "data")})

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise ValueError(f"refused non-local URL: {url}")
        # file://host/... names another machine (urllib would try FTP for it).
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"refused file URL on another host: {url}")
        root = static_root().resolve()
        path = Path(unquote(parsed.path)).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise ValueError(f"refused file outside the portal's static files: {url}")
        # WeasyPrint ignores a linked stylesheet unless it is served as text/css, and a
        # response without headers counts as text/plain: give every file its real type.
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}, status=200
        )


class _ErrorCollector(logging.Handler):
    """Collects the errors WeasyPrint logs while this thread renders (it logs them instead
    of raising: a refused image or an ignored stylesheet would otherwise go unnoticed)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.thread = threading.get_ident()
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.errors.append(record.getMessage())


class _Fonts(threading.local):
    family: str | None = None
    config: FontConfiguration
    stylesheet: CSS


_fonts = _Fonts()


def _font_setup(html: str) -> tuple[FontConfiguration, CSS]:
    """The font configuration and the base stylesheet, kept between renders in each thread.

    WeasyPrint builds a new FontConfiguration (fontconfig's configuration, a Pango font map)
    for every document unless it is given one (its cost: docs/performance.md, "Removed in
    issue 15"). Invariant: a configuration is used by one thread only (Pango font maps are not
    thread-safe). A document
    with its own @font-face rules gets a fresh configuration, so that no document's fonts
    linger into the next one.
    """
    family = settings.PORTAL_PDF_FONT_FAMILY
    if "@font-face" in html:
        config = FontConfiguration()
        return config, _base_stylesheet(family, config)
    if _fonts.family != family:
        _fonts.config = FontConfiguration()
        _fonts.stylesheet = _base_stylesheet(family, _fonts.config)
        _fonts.family = family
    return _fonts.config, _fonts.stylesheet


def _base_stylesheet(family: str, config: FontConfiguration) -> CSS:
    # On the root element so that page-margin boxes (page numbers) inherit it too; a user
    # stylesheet, so a template may still choose another face for a passage.
    return CSS(string=f'html {{ font-family: "{family}", sans-serif; }}', font_config=config)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a template to PDF/A-3b bytes in the active language; PdfRenderError if any
    resource could not be used."""
    html = render_to_string(template, {**context, "pdf_font": settings.PORTAL_PDF_FONT_FAMILY})
    return render_html_to_pdf(html)


def render_html_to_pdf(html: str) -> bytes:
    """The renderer itself: local resources only, the CJK font, PDF/A-3b."""
    collector = _ErrorCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    font_config, stylesheet = _font_setup(html)
    try:
        document = HTML(
            string=html,
            base_url=static_root().resolve().as_uri() + "/",
            url_fetcher=LocalOnlyURLFetcher(),
        )
        pdf = document.write_pdf(
            stylesheets=[stylesheet], font_config=font_config, pdf_variant="pdf/a-3b"
        )
    finally:
        logger.removeHandler(collector)
    if collector.errors:
        raise PdfRenderError("; ".join(collector.errors))
    return pdf


# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def document_request(*, actor: User | None, owner: models.Model, kind: str) -> Document:
    """Ask for a document of `kind` about `owner`; it is rendered after commit by Celery."""
    spec = document_kind(kind)
    document = Document.objects.create(
        kind=kind,
        title=spec.title(owner),
        content_type=ContentType.objects.get_for_model(owner),
        object_id=owner.pk,
        created_by=actor,
    )
    audit_record(actor=actor, action="document.request", obj=owner, note=document.title)
    _enqueue_render(document.pk)
    return document


def document_attach(
    *,
    actor: User | None,
    owner: models.Model,
    kind: str,
    title: str,
    upload: Any,
    checked: Any,
) -> Document:
    """A document of `kind` that a person uploaded instead of rendering it (a signed award),
    already checked (portal.core.uploads.upload_accepted): stored ready, in the caller's
    transaction."""
    document = Document(
        kind=kind,
        title=title,
        content_type=ContentType.objects.get_for_model(owner),
        object_id=owner.pk,
        created_by=actor,
        status=DocumentStatus.READY,
        sha256=checked.sha256,
        size=checked.size,
        rendered_at=timezone.now(),
    )
    document.file.save(f"{kind}-{owner.pk}-{checked.sha256[:16]}.pdf", upload, save=False)
    document.save()
    audit_record(actor=actor, action="document.attach", obj=owner, note=title)
    return document


def _enqueue_render(document_id: int) -> None:
    from .outbox import enqueue_after_commit
    from .tasks import document_render_task

    enqueue_after_commit(document_render_task, document_id)


def document_render(*, document_id: int) -> Document | None:
    """Render a pending document. Idempotent: a ready document is left as it is."""
    with transaction.atomic():
        # The row lock makes a second worker (a redelivered task) wait, then see READY.
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status == DocumentStatus.READY:
            return document
        spec = document_kind(document.kind)
        owner = spec.owner_model._default_manager.get(pk=document.object_id)
        with translation.override(settings.LANGUAGE_CODE):
            pdf = render_pdf(spec.template, spec.context(owner))
        document.file.save(f"{document.kind}-{document.pk}.pdf", ContentFile(pdf), save=False)
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.size = len(pdf)
        document.status = DocumentStatus.READY
        document.rendered_at = timezone.now()
        document.error = ""
        document.save(update_fields=["file", "sha256", "size", "status", "rendered_at", "error"])
    return document


def document_fail(*, document_id: int, error: str) -> None:
    Document.objects.filter(pk=document_id).exclude(status=DocumentStatus.READY).update(
        status=DocumentStatus.FAILED, error=error[:2000]
    )


def access_document(user: User, pk: int | str, perm: str = "view") -> Document:
    """A document, if the user may see its owner; 404 otherwise. Only reading exists: a
    document changes through its owner's services, so `perm` is "view"."""
    if perm != "view":
        raise Http404
    document = Document.objects.filter(pk=pk).first()
    if document is None or document.kind not in _KINDS:
        raise Http404
    document_kind(document.kind).access(user, document.object_id)
    return document


def documents_of(owner: models.Model) -> models.QuerySet[Document]:
    return Document.objects.filter(
        content_type=ContentType.objects.get_for_model(owner), object_id=owner.pk
    )
