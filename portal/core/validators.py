"""Checks on identifiers, by python-stdnum: resident ID numbers, credit codes, phone numbers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

# Mainland mobile numbers (1[3-9]xxxxxxxxx) and landlines with an area code (0xx-xxxxxxxx).
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_resident_id(value: str) -> str:
    return ric.compact(value or "").upper()


def validate_resident_id(value: str) -> None:
    try:
        ric.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid resident ID number: please check the 18 digits."),
            code="invalid_resident_id",
        ) from exc


def normalize_credit_code(value: str) -> str:
    return uscc.compact(value or "").upper()


def validate_credit_code(value: str) -> None:
    try:
        uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid unified social credit code: please check the 18 characters."),
            code="invalid_credit_code",
        ) from exc


def normalize_phone(value: str) -> str:
    value = re.sub(r"[\s()]", "", value or "")
    return value.removeprefix("+86").removeprefix("0086")


def validate_phone(value: str) -> None:
    if not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise ValidationError(
            _("Enter an 11-digit mobile number or a landline with its area code."),
            code="invalid_phone",
        )


def clean_resident_id(value: str) -> str:
    """The number as stored (compact, capital X), or ValidationError: what a form field wants."""
    value = normalize_resident_id(value)
    validate_resident_id(value)
    return value


def clean_credit_code(value: str) -> str:
    value = normalize_credit_code(value)
    validate_credit_code(value)
    return value


def clean_phone(value: str) -> str:
    value = normalize_phone(value)
    validate_phone(value)
    return value


def complete_resident_id(body17: str) -> str:
    """The 18-character resident ID number whose first 17 characters are `body17` (demo data,
    fixtures): the check character computed as the standard defines it."""
    return body17 + ric.calc_check_digit(body17 + "0")  # the library ignores the last character


def complete_credit_code(body17: str) -> str:
    """The unified social credit code whose first 17 characters are `body17`, with its check
    character."""
    return body17 + uscc.calc_check_digit(body17)
