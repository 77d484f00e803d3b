from __future__ import annotations

import datetime
import math
from decimal import Decimal

from django import template

from portal.core import pii

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
