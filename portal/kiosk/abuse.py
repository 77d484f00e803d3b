"""Abuse checks on the public pages: rate limits in the cache, and the online form's spam check.

Counters are fixed windows in the Django cache (Redis in production, so every web process
counts together). Identifiers that are personal information (ID numbers) are keyed by an HMAC,
never stored in the cache as they are."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

from portal.core.middleware import client_ip

from .drafts import TERMINAL_KEY

logger = logging.getLogger(__name__)

SUBMIT_IP = "submit-ip"
SUBMIT_ID = "submit-id"
EMPLOYER_LINK = "employer-link"  # confirmations tried through one employer's link
EMPLOYER_LOOKUP = "employer-lookup"  # the kiosk's employer searches and picks of one client
LOOKUP_IP = "lookup-ip"  # failed look-ups of one client, whatever the number
LOOKUP_NUMBER = "lookup-number"  # failed look-ups of one number, from every client
LOOKUP_CLIENT_NUMBER = "lookup-client-number"  # failed look-ups of one number by one client
LOOKUP_TERMINAL = "lookup-terminal"  # failed look-ups at one kiosk terminal, all its visits
# Once a number has had LOOKUP_NUMBER failures in its window, each client has this many
# failures on it per window instead of LOOKUP_CLIENT_NUMBER's limit (docs/kiosk.md, "Look-ups").
STRAINED_FAILURES_PER_CLIENT = 1
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


# --- look-ups by tracking number and secret (status page, resuming a draft) ---------------------
# Only failures count, and a client is blocked only by its own failures: a person with the right
# secret is let through whatever others tried. The arithmetic is in docs/kiosk.md.


def _terminal_address(request: HttpRequest) -> str | None:
    """The address of a kiosk terminal: a visit in terminal mode from the office's network
    (KIOSK_TERMINAL_NETWORKS). Anyone may open /kiosk/terminal/ from home: there it changes
    nothing here."""
    if not request.session.get(TERMINAL_KEY):
        return None
    address = request_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    networks = [ipaddress.ip_network(net) for net in settings.KIOSK_TERMINAL_NETWORKS]
    return address if any(parsed in network for network in networks) else None


def lookup_client(request: HttpRequest) -> tuple[str, str | None]:
    """Who is looking up, for the counters: at a kiosk terminal each visit (the visit's session:
    the screen is wiped between visitors), elsewhere the client address. With it, the
    terminal's address when it is one (its own, higher limit)."""
    terminal = _terminal_address(request)
    if terminal is not None:
        if request.session.session_key is None:
            request.session.save()
        return f"visit:{request.session.session_key}", terminal
    return f"address:{request_ip(request)}", None


def _lookup_counters(request: HttpRequest, number: str) -> list[tuple[str, str]]:
    client, terminal = lookup_client(request)
    counters = [
        (LOOKUP_IP, client),
        (LOOKUP_NUMBER, number),
        (LOOKUP_CLIENT_NUMBER, f"{client}|{number}"),
    ]
    if terminal is not None:
        counters.append((LOOKUP_TERMINAL, terminal))
    return counters


def _window(rule: str, now: int) -> tuple[int, int, int]:
    limit, window = settings.KIOSK_RATE_LIMITS[rule]
    start = now - now % window
    return limit, start, start + window


def lookup_blocked(request: HttpRequest, number: str) -> Limited | None:
    """Whether this client may try a secret for `number` now (nothing is counted here)."""
    now = int(time.time())
    # rule → (failures so far, limit, end of the window)
    state: dict[str, tuple[int, int, int]] = {}
    keys: dict[str, str] = {}
    for rule, ident in _lookup_counters(request, number):
        limit, start, end = _window(rule, now)
        keys[rule] = _key(rule, ident, start)
        state[rule] = (0, limit, end)
    try:
        found = cache.get_many(list(keys.values()))
    except (RedisError, OSError):  # the counters cannot be read: try again shortly
        logger.warning("kiosk look-up limits: the cache did not answer", exc_info=True)
        return Limited(UNAVAILABLE, UNAVAILABLE_RETRY_SECONDS)
    state = {
        rule: (int(found.get(keys[rule]) or 0), limit, end)
        for rule, (_zero, limit, end) in state.items()
    }
    failures, limit, end = state[LOOKUP_CLIENT_NUMBER]
    if state[LOOKUP_NUMBER][0] >= state[LOOKUP_NUMBER][1]:  # the number is under attack
        state[LOOKUP_CLIENT_NUMBER] = (failures, min(limit, STRAINED_FAILURES_PER_CLIENT), end)
    for rule in (LOOKUP_TERMINAL, LOOKUP_IP, LOOKUP_CLIENT_NUMBER):
        if rule in state and state[rule][0] >= state[rule][1]:
            return Limited(rule=rule, retry_after=state[rule][2] - now)
    return None


def lookup_failed(request: HttpRequest, number: str) -> None:
    """Count a wrong secret (or an unknown number: the page cannot tell them apart)."""
    now = int(time.time())
    counters = []
    for rule, ident in _lookup_counters(request, number):
        _limit, start, end = _window(rule, now)
        counters.append((_key(rule, ident, start), end - now + 60))
    try:
        _increment(counters)
    except (RedisError, OSError):  # lookup_blocked holds every look-up back meanwhile
        logger.warning("kiosk look-up limits: the cache did not count", exc_info=True)


def request_ip(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def looks_automated(*, honeypot: str, started: float, online: bool) -> bool:
    """The online form's spam check, invisible to people: a field no person sees was filled, or
    the whole filing was typed faster than anyone can. The kiosk terminal stands in the
    arbitration office and is exempt from the timing check."""
    if honeypot.strip():
        return True
    return online and time.time() - started < settings.KIOSK_MIN_FILL_SECONDS
