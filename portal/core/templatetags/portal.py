from __future__ import annotations

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
def yuan(value: Decimal | None) -> str:
    """¥12,345.60"""
    if value is None:
        return "—"
    return f"¥{Decimal(value):,.2f}"
