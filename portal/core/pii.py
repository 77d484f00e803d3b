"""Masking of personal information (PIPL): used in lists, logs, notifications and documents
meant for other parties. Whole values are shown only through an audited reveal."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """4401**********1234: the region prefix and the last four stay visible."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phone(value: str) -> str:
    """138****5678 for mobiles; landlines keep the area code and the last four."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    if len(value) == 11 and value.startswith("1"):
        return f"{value[:3]}****{value[-4:]}"
    if len(value) > 8:
        return f"{value[:-8]}****{value[-4:]}"
    # A local number without its area code: keeping three leading digits would show them all.
    return f"{'*' * (len(value) - 4)}{value[-4:]}"


def mask_name(value: str) -> str:
    """张** : the family name only, for documents meant for other parties."""
    value = (value or "").strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""


def mask_address(value: str, keep: int = 6) -> str:
    value = (value or "").strip()
    return value[:keep] + ("***" if len(value) > keep else "")
