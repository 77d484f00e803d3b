"""Abuse checks on the public pages: rate limits in the cache, and the online form's spam check.

Counters are fixed windows in the Django cache (Redis in production, so every web process
counts together). Identifiers that are personal information (ID numbers) are keyed by an HMAC,
never stored in the cache as they are."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from portal.core.middleware import client_ip

SUBMIT_IP = "submit-ip"
SUBMIT_ID = "submit-id"
LOOKUP_IP = "lookup-ip"
LOOKUP_NUMBER = "lookup-number"


@dataclass(frozen=True)
class Limited:
    """A limit was reached: which, and when the window ends."""

    rule: str
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _key(rule: str, ident: str, window_start: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{rule}:{ident}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"{settings.KIOSK_RATE_LIMIT_PREFIX}:{rule}:{window_start}:{digest}"


def rate_hit(rule: str, idents: list[str]) -> Limited | None:
    """Count one attempt under `rule` for each identifier; the first one over its limit is
    returned (the attempt is counted all the same: hammering keeps the window closed)."""
    limit, window = settings.KIOSK_RATE_LIMITS[rule]
    now = int(time.time())
    window_start = now - now % window
    over: Limited | None = None
    for ident in dict.fromkeys(i for i in idents if i):
        key = _key(rule, ident, window_start)
        # add() is atomic on Redis and locmem: the first attempt creates the counter.
        cache.add(key, 0, timeout=window + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 60)
            count = 1
        if count > limit and over is None:
            over = Limited(rule=rule, retry_after=window_start + window - now)
    return over


def request_ip(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def looks_automated(*, honeypot: str, started: float, online: bool) -> bool:
    """The online form's spam check, invisible to people: a field no person sees was filled, or
    the whole filing was typed faster than anyone can. The kiosk terminal stands in the
    arbitration office and is exempt from the timing check."""
    if honeypot.strip():
        return True
    return online and time.time() - started < settings.KIOSK_MIN_FILL_SECONDS
