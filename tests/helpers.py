"""What many tests share: reading what a page told the user, files to upload, running calls
at once, valid personal numbers (those live in tests/factories.py and are re-exported)."""

from __future__ import annotations

import html
import re

from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages

from tests.factories import valid_credit_code, valid_resident_id

__all__ = ["refusals", "valid_credit_code", "valid_resident_id"]

_ALERT = re.compile(r'<p class="(?:error|field-error)"[^>]*>(.*?)</p>', re.S)


def refusals(response) -> list[str]:
    """What the page tells the user went wrong: error messages, and the refusals shown next to
    the form that was refused (portal.core.http.post_move)."""
    told = [
        m.message for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR
    ]
    html_page = response.status_code == 200 and not response.streaming
    page = response.content.decode() if html_page else ""
    return told + [html.unescape(text).strip() for text in _ALERT.findall(page)]
