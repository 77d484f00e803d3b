"""Masking of personal information (PIPL): used in lists, logs, notifications and documents
meant for other parties. Whole values are shown only through an audited reveal."""

from __future__ import annotations

import re


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


# --- personal numbers typed into free text --------------------------------------------------------
# Staff and parties type numbers into summaries, clauses, messages and minutes as they come:
# spaced, dashed, with +86. What is recognised (the numbers masked as in lists):
# - a resident ID number: 18 characters (region, birth date 19xx/20xx, serial, check digit or
#   X) or the old 15 digits (region, yymmdd, serial), optionally spaced 6-8-4 or 6-6-3;
# - a mainland mobile number 1[3-9]x xxxx xxxx, optionally after +86/0086/86, spaced or dashed
#   3-4-4;
# - a landline: an area code (0 and 2–3 digits, or in brackets, or after +86 without its 0) and
#   a local number of 7–8 digits.
# A number that runs on into more digits (an account number, an amount) is not one of these.
_SEP = r"[ \-]?"
_DATE8 = r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_PERSONAL_NUMBER = re.compile(
    r"(?<![0-9A-Za-z+])(?:"
    rf"(?P<id18>\d{{6}}{_SEP}{_DATE8}{_SEP}\d{{3}}[\dXx])(?![0-9A-Za-z])"
    rf"|(?P<id15>\d{{6}}{_SEP}{_DATE6}{_SEP}\d{{3}})(?![0-9A-Za-z])"
    rf"|(?P<mobile>(?:(?:\+|00)?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}})(?!\d)"
    rf"|(?P<landline>(?:(?:\+|00)86{_SEP}[1-9]\d{{1,2}}|\(0\d{{2,3}}\)|（0\d{{2,3}}）|0[1-9]\d{{1,2}})"
    rf"{_SEP}\d{{7,8}})(?!\d)"
    r")"
)
_LOCAL = re.compile(r"\d{7,8}$")


def _mask_match(match: re.Match[str]) -> str:
    """The number as typed (its spaces, dashes and prefix kept) with the middle digits starred:
    an ID number keeps its first and last four, a mobile its first three and last four, a
    landline its area code and the last four of the local number."""
    text = match.group()
    places = [i for i, char in enumerate(text) if char.isdigit() or char in "Xx"]
    if match.lastgroup in ("id18", "id15"):
        hidden = places[4:-4]
    elif match.lastgroup == "mobile":
        hidden = places[-8:-4]  # of the last eleven: 139 [1234] 5678
    else:
        local = _LOCAL.search(text)
        hidden = places[-len(local.group()) : -4] if local else places[:-4]
    chars = list(text)
    for i in hidden:
        chars[i] = "*"
    return "".join(chars)


def mask_personal_numbers(text: str | None) -> str:
    """Free text with every ID and phone number in it masked as in lists (4401**********1235,
    139****5678): for summaries, clauses, messages, minutes and agendas shown to anyone but
    those who work the case, and for documents meant for another party."""
    return _PERSONAL_NUMBER.sub(_mask_match, text or "")
