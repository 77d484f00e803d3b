from __future__ import annotations


class ApplicationError(Exception):
    """A rule of the domain refused the action; the message is shown to the user as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def required_text(text: str, message: str, field: str) -> str:
    """`text` stripped, or an ApplicationError with `message` next to `field` when it is empty."""
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message, field=field)
    return text
