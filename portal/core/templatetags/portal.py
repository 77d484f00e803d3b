from __future__ import annotations

import datetime
import math
from decimal import Decimal

from django import template
from django.forms import Form
from django.utils import timezone

from portal.core import pii, stored_text
from portal.core.forms import error_summary

register = template.Library()


@register.filter
def mask_id(value: str) -> str:
    return pii.mask_id_number(value)


@register.filter
def mask_phone(value: str) -> str:
    return pii.mask_phone(value)


@register.filter
def personal_numbers(value: str | None, whole: bool = False) -> str:
    """Free text as this reader may see it: whole for those who work the case (or after an
    audited reveal), else with every ID and phone number in it masked."""
    return (value or "") if whole else pii.mask_personal_numbers(value)


@register.filter
def yuan(value: Decimal | None) -> str:
    """¥12,345.60"""
    if value is None:
        return "—"
    return f"¥{Decimal(value):,.2f}"


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    """A duration in whole minutes (rounded up), for messages such as the lockout page."""
    if value is None:
        return 0
    return max(1, math.ceil(value.total_seconds() / 60))


@register.filter
def iso(value: datetime.date | datetime.datetime | None) -> str:
    """The value of a `<time datetime>`: a date as 2026-09-25, a moment in local time to the
    second (2026-09-25T14:30:00+08:00); the HTML standard accepts no six-digit fraction."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    return value.isoformat()


@register.filter
def fingerprint(value: str | None) -> str:
    """A document's SHA-256 short enough for a phone: its first 16 hex digits in groups of four
    (the full value goes in a title attribute beside it)."""
    if not value:
        return ""
    head = value[:16]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4)) + "…"


@register.filter
def shown(value: str | None) -> str:
    """A stored notification or history note in the reader's language (core.stored_text)."""
    return stored_text.shown(value)


@register.inclusion_tag("includes/error_summary.html")
def form_errors(*forms_: Form | None) -> dict[str, object]:
    """The summary of a refused form's errors, linked to their fields, above the form (the
    same as the kiosk's); each error also stands next to its field (includes/field.html)."""
    return {"errors": error_summary(*forms_)}
