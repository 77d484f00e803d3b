"""The secrets a claimant's filing hands out: the filing's own, and each worker's own secret of
a collective filing, with which the status page shows that worker's part only."""

from __future__ import annotations

from django.utils.crypto import salted_hmac

from ..models import Claimant
from ..secret_hashing import secret_matches, secret_normalize

# Kiosk-friendly: no 0/O, 1/I/L; 8 characters of 31 give about 40 bits, with lookups
# rate-limited per address and per tracking number.
SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 - an alphabet
SECRET_LENGTH = 8
WORKER_SECRET_SALT = "portal.worker-secret"  # noqa: S105 - a key salt, not a secret


def worker_secret(secret: str, index: int) -> str:
    """The own secret of the worker at `index` (from 1) of a collective filing, derived from
    the filing's secret under a key from SECRET_KEY: the receipt can show it again from the
    filing's secret, a resubmit of the same draft stores the same one, and neither the filing's
    secret nor another worker's gives it without the key."""
    digest = salted_hmac(
        WORKER_SECRET_SALT, f"{secret_normalize(secret)}:{index}", algorithm="sha256"
    ).digest()
    return "".join(SECRET_ALPHABET[byte % len(SECRET_ALPHABET)] for byte in digest[:SECRET_LENGTH])


def worker_secrets(secret: str, workers: int) -> list[str]:
    """The own secrets of workers 2, 3... of a filing of `workers`: worker 1 holds the
    filing's secret; a filing of one has none."""
    return [worker_secret(secret, i) for i in range(1, workers)] if workers > 1 else []


def worker_matching(tracking_number: str, secret: str) -> Claimant | None:
    """The worker of the filing `tracking_number` (normalised) whose own secret this is."""
    workers = (
        Claimant.objects.select_related("case__agency", "case__employer")
        .filter(case__tracking_number=tracking_number)
        .exclude(status_secret_hash="")
        if tracking_number
        else []
    )
    return next((w for w in workers if secret_matches(secret, w.status_secret_hash)), None)
