"""Text stored now and shown later in the reader's language (notifications, history notes).

A notification or an audit note is written once and read by people using either language, so
what is stored is the message's msgid and its values, not a translation:
`stored_text(gettext_lazy("Case %(number)s was accepted"), number=case.number)`. A value that
is itself a translatable label (a status, an answer) is stored by its msgid too. `shown()`
renders the stored text in the active language; any other text comes back as it is."""

from __future__ import annotations

import json
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext

_MARK = '{"msgid":'


def _msgid(text: Promise | str) -> dict[str, str]:
    """The msgid (and context) of a lazy translation, or the text itself."""
    args = getattr(text, "_args", None)
    if isinstance(text, Promise) and args:
        if len(args) == 2:  # pgettext_lazy(context, message)
            return {"msgid": str(args[1]), "context": str(args[0])}
        return {"msgid": str(args[0])}
    return {"msgid": str(text)}


def _value(value: Any) -> Any:
    if isinstance(value, Promise):
        return _msgid(value)
    if isinstance(value, str) and value.startswith(_MARK):
        return json.loads(value)
    return str(value)


def stored_text(message: Promise | str, /, **values: Any) -> str:
    """The form to store: the msgid of `message` and its values, as JSON."""
    entry: dict[str, Any] = _msgid(message)
    if values:
        entry["values"] = {key: _value(value) for key, value in values.items()}
    return json.dumps(entry, ensure_ascii=False)


def _render(entry: dict[str, Any]) -> str:
    msgid = entry["msgid"]
    text = pgettext(entry["context"], msgid) if "context" in entry else gettext(msgid)
    values = entry.get("values")
    if not values:
        return text
    rendered = {
        key: _render(value) if isinstance(value, dict) else value for key, value in values.items()
    }
    try:
        return text % rendered
    except (KeyError, TypeError, ValueError):
        return msgid % rendered


def shown(value: str | None) -> str:
    """Stored text in the active language; plain text unchanged."""
    if not value or not value.startswith(_MARK):
        return value or ""
    try:
        entry = json.loads(value)
    except ValueError:
        return value
    return _render(entry)
