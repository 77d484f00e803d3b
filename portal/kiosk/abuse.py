"""Abuse checks on the public pages: rate limits in the cache, and the online form's spam check.

Counters are fixed windows in the Django cache (Redis in production, so every web process
counts together). Identifiers that are personal information (ID numbers) are keyed by an HMAC,
never stored in the cache as they are."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

from portal.core.middleware import client_ip

logger = logging.getLogger(__name__)

SUBMIT_IP = "submit-ip"
SUBMIT_ID = "submit-id"
LOOKUP_IP = "lookup-ip"
LOOKUP_NUMBER = "lookup-number"
# The counters cannot be read (the cache is restarting): the look-up is asked to wait a moment.
UNAVAILABLE = "unavailable"
UNAVAILABLE_RETRY_SECONDS = 30


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


def rate_hits(checks: dict[str, list[str]], *, fail_open: bool = False) -> Limited | None:
    """Count one attempt under each rule for each of its identifiers; the first counter over
    its limit, in the order given, is returned (the attempt is counted all the same:
    hammering keeps the window closed).

    When the cache cannot count (Redis restarting), a filing goes through uncounted
    (`fail_open`: a claimant's submit is worth more than a few seconds of limits), and a
    look-up by secret is asked to try again shortly (UNAVAILABLE) rather than guessed at
    unlimited."""
    now = int(time.time())
    counters: list[tuple[str, str, int, int]] = []  # rule, key, limit, end of the window
    for rule, idents in checks.items():
        limit, window = settings.KIOSK_RATE_LIMITS[rule]
        window_start = now - now % window
        for ident in dict.fromkeys(i for i in idents if i):
            counters.append((rule, _key(rule, ident, window_start), limit, window_start + window))
    try:
        counts = _increment([(key, end - now + 60) for _rule, key, _limit, end in counters])
    except (RedisError, OSError):
        logger.warning("kiosk rate limits: the cache did not answer", exc_info=True)
        return None if fail_open else Limited(UNAVAILABLE, UNAVAILABLE_RETRY_SECONDS)
    for (rule, _counter, limit, end), count in zip(counters, counts, strict=True):
        if count > limit:
            return Limited(rule=rule, retry_after=end - now)
    return None


def _increment(counters: list[tuple[str, int]]) -> list[int]:
    """Add one to each (key, timeout) counter, created at 0 with its timeout; the new counts.

    add() creates a counter atomically with its timeout (SET NX EX on Redis) and incr() keeps
    that timeout, so no counter outlives its window."""
    counts: list[int] = []
    for key, timeout in counters:
        cache.add(key, 0, timeout=timeout)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)
            counts.append(1)
    return counts


def request_ip(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def looks_automated(*, honeypot: str, started: float, online: bool) -> bool:
    """The online form's spam check, invisible to people: a field no person sees was filled, or
    the whole filing was typed faster than anyone can. The kiosk terminal stands in the
    arbitration office and is exempt from the timing check."""
    if honeypot.strip():
        return True
    return online and time.time() - started < settings.KIOSK_MIN_FILL_SECONDS
