"""How a claimant's secret (and a saved draft's) is stored and checked: a keyed hash.

The secret is a random code of about 40 bits (portal.cases.services.intake.secret_new), checked online
behind rate limits (portal.kiosk.abuse). It is stored as HMAC-SHA256 of the normalised secret
under a key derived from SECRET_KEY, which is not in the database: a copy of the database alone
does not allow guessing secrets offline. A slow password hash (PBKDF2, ~0.5 s of CPU) would add
nothing against online guessing and would turn every filing into a denial-of-service lever at a
kiosk surge (docs/architecture.md, "Claimant secrets"). Secrets stored earlier in Django's
password-hasher format ("pbkdf2_sha256$...") are still checked with check_password.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.utils.crypto import constant_time_compare, salted_hmac

PREFIX = "hmac-sha256$"
KEY_SALT = "portal.claimant-secret"
# Compared with when there is nothing stored (an unknown tracking number): the same work as a
# wrong secret, and it never matches (a digest is 64 hex digits).
_NOTHING = "-" * 64


def secret_normalize(value: str) -> str:
    """What the claimant typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())[:64]


def _digest(secret: str, key: str | bytes) -> str:
    return salted_hmac(
        KEY_SALT, secret_normalize(secret), secret=key, algorithm="sha256"
    ).hexdigest()


def secret_hash(secret: str) -> str:
    """The stored form of a secret: "hmac-sha256$<hex>", under the current SECRET_KEY."""
    return PREFIX + _digest(secret, settings.SECRET_KEY)


def secret_matches(secret: str, encoded: str | None) -> bool:
    """Whether `secret` is the one stored as `encoded`. With nothing stored the same digests are
    computed and compared, so an unknown tracking number costs as much as a wrong secret. The
    keys of SECRET_KEY_FALLBACKS are tried too: rotating the key locks no claimant out."""
    if encoded and not encoded.startswith(PREFIX):
        return check_password(secret_normalize(secret), encoded)  # a legacy password hash
    stored = encoded[len(PREFIX) :] if encoded else _NOTHING
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    matched = [constant_time_compare(_digest(secret, key), stored) for key in keys]
    return any(matched) and bool(encoded)
