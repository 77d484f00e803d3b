"""The login's limit per client address, beside django-axes' lock-out per username.

A password sprayed over many usernames from one address stops after LOGIN_FAILURES_PER_ADDRESS
failures an hour; but an office's staff share one address, so the limit never locks out a
username that has signed in from that address before (remembered for KNOWN_FOR): one visitor's
failures do not stop the office. Counters live in the cache, keyed by an HMAC (no address or
username is stored as it is)."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .middleware import client_ip

WINDOW = 3600
KNOWN_FOR = 90 * 24 * 3600


def _key(kind: str, *parts: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), "|".join((kind, *parts)).encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"login-limit:{kind}:{digest}"


def _failures_key(address: str) -> str:
    now = int(time.time())
    return _key("failures", address, str(now - now % WINDOW))


def _address(request: HttpRequest | None) -> str:
    return (client_ip(request) if request is not None else None) or "unknown"


def address_blocked(request: HttpRequest | None, username: str) -> bool:
    """Whether this address has failed too often to try a username it has not seen sign in."""
    address = _address(request)
    failures = int(cache.get(_failures_key(address)) or 0)
    if failures < settings.LOGIN_FAILURES_PER_ADDRESS:
        return False
    return not cache.get(_key("known", address, username.strip().lower()))


def login_failed(request: HttpRequest | None) -> None:
    key = _failures_key(_address(request))
    cache.add(key, 0, timeout=WINDOW + 60)
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, timeout=WINDOW + 60)


def login_succeeded(request: HttpRequest | None, username: str) -> None:
    address = _address(request)
    cache.set(_key("known", address, username.strip().lower()), 1, timeout=KNOWN_FOR)


def address_unblock(address: str) -> None:
    """An administrator's unlock of an address (the admin page of lock-outs)."""
    cache.delete(_failures_key(address))
